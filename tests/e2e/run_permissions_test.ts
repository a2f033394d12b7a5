/**
 * The shipped `--allow-run` list is narrowed per run for real: with every
 * listed command on PATH, keeping `aws` leaves `aws` and `helm` runnable
 * and revokes every other credential plugin (Deno.permissions.revoke works
 * per command because the grant is a list).
 */
import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { CREDENTIAL_PLUGINS, RUN_COMMANDS } from "../../src/permissions.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The directory of PATH where the `deno` this test may run lives. */
function denoDir(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/deno`).isFile) return dir;
    } catch { /* not here */ }
  }
  throw new Error("deno is not on PATH");
}

async function probe(keep: string[]): Promise<Record<string, string>> {
  const bin = await Deno.makeTempDir({ prefix: "draconctl-run-perms-" });
  for (const command of RUN_COMMANDS) {
    await Deno.writeTextFile(`${bin}/${command}`, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(`${bin}/${command}`, 0o755);
  }
  const output = await new Deno.Command("deno", {
    args: ["run", "--quiet", ...PERMISSION_FLAGS, "tests/e2e/_run_permissions_probe.ts", ...keep],
    cwd: ROOT,
    // Every listed command is found in `bin` first; deno after it.
    env: { PATH: `${bin}:${denoDir()}` },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("keepPlugins() revokes every shipped credential plugin but the one kept", async () => {
  const states = await probe(["aws"]);
  assert.equal(states.helm, "granted");
  assert.equal(states.aws, "granted");
  for (const command of CREDENTIAL_PLUGINS.filter((c) => c !== "aws")) {
    assert.notEqual(states[command], "granted", command);
  }
});

Deno.test("keepPlugins([]) leaves only helm", async () => {
  const states = await probe([]);
  assert.deepEqual(
    Object.entries(states).filter(([, state]) => state === "granted").map(([c]) => c),
    ["helm"],
  );
});

Deno.test("keepPlugins() of a fleet keeps the plugin of every selected context, no other", async () => {
  // `--context eks,gke` narrows once to both plugins (src/tekton/kube_cluster.ts `openFleet`).
  const kept = ["aws", "gke-gcloud-auth-plugin"];
  const states = await probe(kept);
  for (const command of kept) assert.equal(states[command], "granted", command);
  for (const command of CREDENTIAL_PLUGINS.filter((c) => !kept.includes(c))) {
    assert.notEqual(states[command], "granted", command);
  }
});
