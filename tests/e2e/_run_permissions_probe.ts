/**
 * Run by tests/e2e/run_permissions_test.ts under the shipped flags: narrows
 * the run permissions to the plugins named in the arguments, then prints
 * the state of every command of the shipped list as JSON.
 */
import { DenoRunPermissions } from "../../src/io/run_permissions.ts";
import { RUN_COMMANDS } from "../../src/permissions.ts";

await new DenoRunPermissions().keepPlugins(Deno.args);
const states: Record<string, string> = {};
for (const command of RUN_COMMANDS) {
  states[command] = (await Deno.permissions.query({ name: "run", command })).state;
}
console.log(JSON.stringify(states));
