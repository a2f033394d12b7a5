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

/** Waits `ms` milliseconds (polling a PipelineRun); tests hand in their own. */
export type Sleep = (ms: number) => Promise<void>;

/** The real {@link Sleep}. */
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
