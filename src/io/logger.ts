/**
 * Where warnings and progress go. Actions never print; they report through a
 * {@link Logger}, and the CLI decides where it writes (stderr by default).
 *
 * @module
 */

/** Receives human-readable diagnostics. */
export interface Logger {
  /** Something the user should know that does not stop the command. */
  warn(message: string): void;
  /** Progress detail, shown with `--verbose`. */
  debug(message: string): void;
}

/** A {@link Logger} that keeps messages in memory (tests, and `-o json`). */
export class MemoryLogger implements Logger {
  readonly warnings: string[] = [];
  readonly debugs: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  debug(message: string): void {
    this.debugs.push(message);
  }
}
