/**
 * Finding the test environment's kubectl, and commands on PATH, for tests
 * that run it without a cluster (completion, the kubectl plugin).
 *
 * @module
 */

/** Whether `path` is a file (false when it is missing). */
function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Directory of the test environment's kubectl: the `testenv env` export, else the build cache. */
export function kubectlDir(): string {
  const exported = Deno.env.get("DRACONCTL_TESTENV_BIN");
  if (exported) return exported;
  const cache = `${
    Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`
  }/draconctl-testenv`;
  for (const entry of Deno.readDirSync(cache)) {
    const dir = `${cache}/${entry.name}/bin`;
    if (isFile(`${dir}/kubectl`)) return dir;
  }
  throw new Error(`no kubectl under ${cache} (scripts/testenv build)`);
}

/** Whether `command` is an executable file in a directory of PATH. */
export function onPath(command: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => isFile(`${dir}/${command}`));
}
