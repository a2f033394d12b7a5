/**
 * Asserting on the ClusterError a connection step rejects with: one line,
 * with a one-line hint, matching what it must say and quoting nothing it
 * must not (credentials, a plugin's output).
 *
 * @module
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";

/**
 * `promise` rejects with a one-line {@link ClusterError} whose message and
 * hint match every `want` and whose message, hint and cause hold no `never`.
 */
export async function refused(
  promise: Promise<unknown>,
  want: (string | RegExp)[],
  never: string[] = [],
): Promise<ClusterError> {
  let caught: unknown;
  await assert.rejects(promise, (e: unknown) => (caught = e, true));
  assert.ok(caught instanceof ClusterError, `not a ClusterError: ${caught}`);
  const text = `${caught.message}\n${caught.hint ?? ""}`;
  assert.ok(!caught.message.includes("\n"), `not one line: ${caught.message}`);
  assert.ok(!(caught.hint ?? "").includes("\n"), `hint not one line: ${caught.hint}`);
  for (const w of want) {
    if (typeof w === "string") assert.ok(text.includes(w), `"${w}" not in: ${text}`);
    else assert.match(text, w);
  }
  for (const n of never) {
    assert.ok(!text.includes(n), `"${n}" quoted in: ${text}`);
    assert.ok(!String(caught.cause ?? "").includes(n), `"${n}" in the cause`);
  }
  return caught;
}
