/**
 * A {@link Clock} for tests: it stands still until `advance()` moves it.
 *
 * @module
 */
import type { Clock } from "../../src/io/clock.ts";

/** A {@link Clock} that moves only when told to. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(start: Date | string = "2026-01-01T00:00:00Z") {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves the clock `ms` milliseconds forward. */
  advance(ms: number): void {
    this.#ms += ms;
  }
}
