/**
 * The {@link Logger} the CLI uses: warnings always, debug lines with `--verbose`.
 *
 * @module
 */
import { shortenMessage } from "../errors.ts";
import type { Logger } from "./logger.ts";

const encoder = new TextEncoder();

/** Writes to stderr; a closed stderr loses the text rather than failing the run. */
export function writeStderr(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch {
    // nowhere left to say it
  }
}

/** Writes `warning: …` lines (and `debug: …` when verbose) to stderr. */
export class StderrLogger implements Logger {
  constructor(private readonly verbose = false) {}
  warn(message: string): void {
    writeStderr(`warning: ${shortenMessage(message)}\n`);
  }
  debug(message: string): void {
    if (this.verbose) writeStderr(`debug: ${shortenMessage(message)}\n`);
  }
}
