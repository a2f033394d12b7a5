/**
 * The process's SIGINT and SIGTERM as {@link Signals}: a signal goes to the
 * registered listeners (a deploy in its write phase, which stops cleanly);
 * with none registered, or when a second signal comes, `onUnhandled` runs
 * (`main.ts` exits there: only it may).
 *
 * @module
 */
import type { Signals, StopSignal } from "./signals.ts";

/** {@link Signals} from `Deno.addSignalListener`. */
export class ProcessSignals implements Signals {
  readonly #listeners = new Set<(signal: StopSignal) => void>();
  #delivered = false;

  /** @param onUnhandled called for a signal nobody stops on; `again` after one was delivered */
  constructor(private readonly onUnhandled: (signal: StopSignal, again: boolean) => void) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => this.#raise(signal));
    }
  }

  onStop(listener: (signal: StopSignal) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #raise(signal: StopSignal): void {
    if (this.#listeners.size === 0 || this.#delivered) {
      return this.onUnhandled(signal, this.#delivered);
    }
    this.#delivered = true;
    for (const listener of this.#listeners) listener(signal);
  }
}
