/**
 * {@link Signals} a test sends itself: `send("SIGINT")` calls every listener
 * registered at that moment, as `ProcessSignals` does for a real signal.
 *
 * @module
 */
import type { Signals, StopSignal } from "../../src/io/signals.ts";

/** Signals that arrive when the test says so. */
export class FakeSignals implements Signals {
  readonly #listeners = new Set<(signal: StopSignal) => void>();
  /** How many listeners were ever registered. */
  registered = 0;

  onStop(listener: (signal: StopSignal) => void): () => void {
    this.registered++;
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Delivers `signal`; `false` when nobody listened (the process would have ended). */
  send(signal: StopSignal): boolean {
    if (this.#listeners.size === 0) return false;
    for (const listener of [...this.#listeners]) listener(signal);
    return true;
  }

  /** How many listeners are registered now. */
  get listening(): number {
    return this.#listeners.size;
  }
}
