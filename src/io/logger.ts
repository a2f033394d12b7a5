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
