/**
 * Writing command output to stdout or to a file, and the one formatter of
 * change-set entries.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { shortenMessage } from "../errors.ts";
import type { ChangeSetEntry } from "../k8s/applier.ts";

/** Writes `text` to `file` when given, else to standard output. */
export async function writeOutput(
  deps: Pick<Deps, "fs" | "stdout">,
  text: string,
  file?: string,
): Promise<void> {
  if (file === undefined || file === "-") await deps.stdout.write(text);
  else await deps.fs.writeTextFile(file, text);
}

const GROUPS: Record<string, string> = { Task: "tekton.dev", Pipeline: "tekton.dev" };

/** kubectl's style: `task.tekton.dev/git-clone created`. */
export function formatChange(entry: ChangeSetEntry): string {
  const group = GROUPS[entry.kind];
  const resource = group ? `${entry.kind.toLowerCase()}.${group}` : entry.kind.toLowerCase();
  const line = `${resource}/${entry.name} ${entry.action}`;
  return entry.error === undefined ? line : `${line}: ${shortenMessage(entry.error)}`;
}
