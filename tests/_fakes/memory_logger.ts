/**
 * A {@link Logger} for tests: it keeps every message in memory.
 *
 * @module
 */
import type { Logger } from "../../src/io/logger.ts";

/** A {@link Logger} that keeps messages in memory. */
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
