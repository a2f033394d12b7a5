/**
 * SIGINT and SIGTERM, behind an interface: `main.ts` hands in the process's
 * signals, tests a {@link FakeSignals}-like object that raises them on demand.
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

/** Signals that never arrive: for runs that cannot be interrupted, and tests. */
export const NO_SIGNALS: Signals = { onStop: () => () => {} };
