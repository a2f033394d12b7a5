/**
 * SIGINT and SIGTERM, behind an interface: `main.ts` hands in the process's
 * signals (`ProcessSignals`); in-process tests hand in signals that never
 * arrive, and interrupts are tested by signalling the product's process.
 *
 * @module
 */

/** The signals that ask draconctl to stop. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** Where an action learns that the user asked it to stop. */
export interface Signals {
  /**
   * Calls `listener` when SIGINT or SIGTERM arrives, until the returned
   * function is called. While no listener is registered, a signal ends the
   * process at once (nothing is being written then).
   */
  onStop(listener: (signal: StopSignal) => void): () => void;
}
