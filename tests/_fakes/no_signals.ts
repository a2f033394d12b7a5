/**
 * {@link Signals} for in-process tests: none ever arrives. Interrupts are
 * tested with real signals sent to the product (tests/cluster/interrupt_test.ts).
 *
 * @module
 */
import type { Signals } from "../../src/io/signals.ts";

/** Signals that never arrive. */
export const NO_SIGNALS: Signals = { onStop: () => () => {} };
