/**
 * Writing command output to stdout or to a file, and the one formatter of
 * change-set entries.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { shortenMessage } from "../errors.ts";
import type { ChangeSetEntry } from "../k8s/applier.ts";
import { writeOutputFile } from "./output_file.ts";

/**
 * Writes `text` to `file` when given (`-`: standard output), never over one
 * of `inputs` and never half ({@link writeOutputFile}), else to standard output.
 */
export async function writeOutput(
  deps: Pick<Deps, "fs" | "stdout" | "logger">,
  text: string,
  file?: string,
  inputs: Iterable<string> = [],
): Promise<void> {
  if (file === undefined || file === "-") await deps.stdout.write(text);
  else await writeOutputFile(deps, file, text, inputs);
}

/** kubectl's style: `task.tekton.dev/git-clone created`. */
export function formatChange(entry: ChangeSetEntry): string {
  const line = `${entry.subject} ${entry.action}`;
  return entry.error === undefined ? line : `${line}: ${shortenMessage(entry.error)}`;
}
