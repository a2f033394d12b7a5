/**
 * The problems of the {@link ValidationError} a call throws; fails the test
 * when it throws nothing or anything else.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../src/errors.ts";

/** Runs `fn`, which must throw a {@link ValidationError}, and returns its problems. */
export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected ValidationError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected a ValidationError");
}
