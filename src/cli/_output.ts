/**
 * Writing command output to stdout or to a file.
 *
 * @module
 */
import type { Deps } from "../deps.ts";

/** Writes `text` to `file` when given, else to standard output. */
export async function writeOutput(
  deps: Pick<Deps, "fs" | "stdout">,
  text: string,
  file?: string,
): Promise<void> {
  if (file === undefined || file === "-") await deps.stdout.write(text);
  else await deps.fs.writeTextFile(file, text);
}
