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
