import assert from "node:assert/strict";
import { excerpt, MAX_LINE_CHARS, shortenMessage } from "../src/errors.ts";

Deno.test("excerpt() keeps short text and shortens long text to head…tail with its length", () => {
  assert.equal(excerpt("short"), "short");
  assert.equal(excerpt("x".repeat(120)), "x".repeat(120));
  const long = `${"h".repeat(100)}${"m".repeat(1000)}${"t".repeat(40)}`;
  assert.equal(excerpt(long), `${"h".repeat(80)}…${"t".repeat(30)} (1140 characters)`);
  // Code points, not UTF-16 units: no emoji is split.
  assert.equal(excerpt("😀".repeat(200)), `${"😀".repeat(80)}…${"😀".repeat(30)} (200 characters)`);
});

Deno.test("shortenMessage() applies one rule to every message", async (t) => {
  await t.step("a long quoted value is shortened, the rest kept", () => {
    const url = `https://example.com/${"a".repeat(100_000)}/task.yaml`;
    const line = shortenMessage(`Invalid component reference "${url}": not a valid URL`);
    assert.ok(line.length < 250, `${line.length} characters`);
    assert.match(
      line,
      /^Invalid component reference "https:\/\/example\.com\/a+…a+\/task\.yaml" \(100030 characters\): not a valid URL$/,
    );
  });
  await t.step("escaped quotes inside a JSON-quoted value count as part of it", () => {
    const value = JSON.stringify(`say "${"x".repeat(200)}"`);
    const line = shortenMessage(`t.yaml: expected a mapping, found ${value}`);
    assert.match(line, /^t\.yaml: expected a mapping, found "say \\"x+…x+\\"" \(\d+ characters\)$/);
  });
  await t.step("control characters are escaped: one line, no terminal sequences", () => {
    const line = shortenMessage('bad "a\nb\u001b[31mc\rd"');
    assert.equal(line, 'bad "a\\nb\\u001b[31mc\\rd"');
    assert.ok(!line.includes("\n"));
  });
  await t.step("an overlong line of short parts is cut", () => {
    const line = shortenMessage(Array.from({ length: 500 }, (_, i) => `"r${i}"`).join(", "));
    assert.ok(line.length < MAX_LINE_CHARS + 40, `${line.length}`);
    assert.match(line, /… \(\d+ more characters\)$/);
  });
});
