/**
 * The retry policy for transient API failures: 429 and 5xx (except a typed
 * patch failure, which is the object's fault), reset connections; backoff
 * honouring `Retry-After` up to {@link MAX_RETRY_AFTER_MS}.
 *
 * @module
 */
import { errorChainOf } from "../base/failure_cause.ts";
import { apiStatusOf } from "./api_errors.ts";
import { typedPatchFailure } from "./errors.ts";

/** HTTP codes worth another try. */
const TRANSIENT_CODES = new Set([429, 500, 502, 503, 504]);

/** Whether a raw client error is transient: a 429/5xx status or a reset connection. */
export function isTransient(error: unknown): boolean {
  const api = apiStatusOf(error);
  if (api !== undefined) {
    return TRANSIENT_CODES.has(api.code) && typedPatchFailure(api.status) === undefined;
  }
  const { codes, messages } = errorChainOf(error);
  const text = messages.join(" | ");
  return ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"].some((c) => codes.includes(c)) ||
    /socket hang up|other side closed|connection reset|connection closed before message completed|broken pipe/i
      .test(text);
}

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Tries in total. @default 3 */
  attempts?: number;
  /** Delay before the second try; doubles each time. @default 200 */
  baseDelayMs?: number;
  /** Waits; injectable so tests do not sleep. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** Sleeps for real. */
export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The longest wait a server's `retryAfterSeconds` may ask for. */
export const MAX_RETRY_AFTER_MS = 5_000;

/**
 * The wait a 429/5xx status asks for in `details.retryAfterSeconds` (a
 * restarting API server answers 429 "storage is (re)initializing" with 1 s),
 * capped at {@link MAX_RETRY_AFTER_MS}; `undefined` when it asks for none.
 */
export function retryAfterMsOf(error: unknown): number | undefined {
  const seconds = apiStatusOf(error)?.status.details?.retryAfterSeconds;
  if (typeof seconds !== "number" || !(seconds > 0)) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

/**
 * Calls `fn` until it succeeds, retrying {@link isTransient} failures with
 * exponential backoff, or after the server's `retryAfterSeconds` when that is
 * longer ({@link retryAfterMsOf}). Other errors and the last failure are
 * thrown as they are.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? realSleep;
  let delay = options.baseDelayMs ?? 200;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await sleep(Math.max(delay, retryAfterMsOf(error) ?? 0));
      delay *= 2;
    }
  }
}
