import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_VARS, PERMISSION_FLAGS, RUN_TASK } from "../../scripts/permissions.ts";

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
  assert.ok(PERMISSION_FLAGS.includes("--allow-run=helm"));
});
