/**
 * Request timeouts shared by both Kubernetes clients.
 *
 * @module
 */

/**
 * A signal that aborts after `ms` with an `Error` named `TimeoutError` whose
 * message says so (`networkReasonOf` maps it to "the request timed out"),
 * and a function to stop the timer. The timer does not keep the process alive.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const reason = new Error(`the request timed out after ${ms} ms`);
    reason.name = "TimeoutError";
    controller.abort(reason);
  }, ms);
  Deno.unrefTimer(timer);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
