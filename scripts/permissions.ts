/**
 * The Deno permissions draconctl ships with, in one place. Used by
 * `deno task compile` (baked into the binary) and `deno task bundle`
 * (written beside the bundle for bin/draconctl), checked against the
 * `deno task draconctl` entry in deno.json by tests/scripts/permissions_test.ts,
 * and used by tests/e2e/ to run the product exactly as it ships.
 *
 * @module
 */
import { ENV_VARS, RUN_COMMANDS } from "../src/permissions.ts";

export { ENV_VARS };

/**
 * The flags, in the order `deno run` and `deno compile` take them:
 * - read: kustomizations, Tasks, kubeconfig and the files it names;
 * - net: the API server and component URLs, both known only at run time
 *   (each URL is fetched in a Worker narrowed to its own host);
 * - run: `helm` (Helm-owned Tasks, chart packaging) and the well-known kubeconfig
 *   credential plugins (`aws`, `gke-gcloud-auth-plugin`, …: src/permissions.ts);
 *   each run revokes every plugin its kubeconfig context does not name;
 * - write: granted, but dropped by main.ts at start unless the command writes
 *   (`--output-file`, `components package`): Deno fixes permissions at start;
 * - `--unstable-worker-options`: the narrowed Worker permissions of the fetcher.
 */
export const PERMISSION_FLAGS: readonly string[] = [
  "--no-prompt",
  "--unstable-worker-options",
  `--allow-env=${ENV_VARS.join(",")}`,
  "--ignore-env",
  "--allow-read",
  "--allow-net",
  `--allow-run=${RUN_COMMANDS.join(",")}`,
  "--allow-write",
];

/**
 * The `deno task draconctl` command line (deno.json must hold exactly this).
 * `--quiet` hides Deno's own notes, e.g. "Failed to resolve 'helm'" when helm
 * is not installed.
 */
export const RUN_TASK: string = ["deno", "run", "--quiet", ...PERMISSION_FLAGS, "main.ts"].join(
  " ",
);

if (import.meta.main) console.log(PERMISSION_FLAGS.join(" "));
