/**
 * The {@link Logger} the CLI uses: warnings always, debug lines with `--verbose`.
 *
 * @module
 */
import { shortenMessage } from "../errors.ts";
import type { Logger } from "./logger.ts";

const encoder = new TextEncoder();

/** Writes `warning: …` lines (and `debug: …` when verbose) to stderr. */
export class StderrLogger implements Logger {
  constructor(private readonly verbose = false) {}
  warn(message: string): void {
    Deno.stderr.writeSync(encoder.encode(`warning: ${shortenMessage(message)}\n`));
  }
  debug(message: string): void {
    if (this.verbose) Deno.stderr.writeSync(encoder.encode(`debug: ${shortenMessage(message)}\n`));
  }
}
