/**
 * The Deno permissions draconctl ships with, in one place. Used by
 * `deno task compile` (baked into the binary), checked against the
 * `deno task draconctl` entry in deno.json by tests/unit/permissions_test.ts,
 * and used by tests/e2e/ to run the product exactly as it ships.
 *
 * @module
 */

/**
 * Environment variables draconctl may read; every other one reads as unset
 * (`--ignore-env`), also for the npm packages it uses.
 */
export const ENV_VARS: readonly string[] = [
  // kubeconfig discovery, as kubectl: $KUBECONFIG, else $HOME/.kube/config
  "KUBECONFIG",
  "HOME",
  // in-cluster configuration (a CI job running in a pod, service account token)
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
];

/**
 * The flags, in the order `deno run` and `deno compile` take them:
 * - read: kustomizations, Tasks, kubeconfig and the files it names;
 * - net: the API server and component URLs, both known only at run time
 *   (each URL is fetched in a Worker narrowed to its own host);
 * - run: only `helm` (Helm-owned Tasks, chart packaging);
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
  "--allow-run=helm",
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
