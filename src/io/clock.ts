/**
 * The wall clock, behind an interface so tests can fix the time
 * (credential expiry, token file re-reads).
 *
 * @module
 */

/** The wall clock. */
export interface Clock {
  now(): Date;
}

/**
 * Waits `ms` milliseconds (polling a PipelineRun), or until `signal` aborts;
 * tests hand in their own.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real {@link Sleep}: its timer is cleared when `signal` aborts. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
