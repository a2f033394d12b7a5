import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_VARS, PERMISSION_FLAGS, RUN_TASK } from "../../scripts/permissions.ts";
import { CREDENTIAL_PLUGINS } from "../../src/permissions.ts";

Deno.test("deno.json's draconctl task runs main.ts with exactly the shipped flags", () => {
  assert.equal(denoJson.tasks.draconctl, RUN_TASK);
});

Deno.test("the shipped flags grant no blanket env, run, sys or ffi and never -A", () => {
  for (const flag of PERMISSION_FLAGS) {
    assert.ok(!["-A", "--allow-all", "--allow-env", "--allow-run"].includes(flag), flag);
    assert.ok(!/^--allow-(sys|ffi|import)/.test(flag), flag);
  }
  assert.ok(PERMISSION_FLAGS.includes("--ignore-env"));
  assert.ok(PERMISSION_FLAGS.includes("--no-prompt"));
  assert.ok(PERMISSION_FLAGS.includes(`--allow-env=${ENV_VARS.join(",")}`));
  const run = PERMISSION_FLAGS.find((flag) => flag.startsWith("--allow-run="));
  // A list, never a bare --allow-run: Deno.permissions.revoke of one command
  // works only against a list.
  assert.deepEqual(run?.slice("--allow-run=".length).split(","), ["helm", ...CREDENTIAL_PLUGINS]);
});

Deno.test("the credential plugin allow-list holds the documented commands, no path and no shell", () => {
  for (
    const command of [
      "aws",
      "aws-iam-authenticator",
      "gke-gcloud-auth-plugin",
      "kubelogin",
      "kubectl",
      "gcloud",
      "az",
      "oci",
      "doctl",
      "ibmcloud",
    ]
  ) assert.ok(CREDENTIAL_PLUGINS.includes(command), command);
  for (const command of CREDENTIAL_PLUGINS) {
    assert.match(command, /^[a-z][a-z0-9-]*$/, command);
    assert.ok(!["sh", "bash", "env", "deno", "node", "python3"].includes(command), command);
  }
});
