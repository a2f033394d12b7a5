/**
 * Where `pipelines check` and Tekton v1.15.0 may give different verdicts in
 * the differential test (tests/cluster/tekton_differential_test.ts), each
 * with its reason; docs/validation.md#differential-test-against-tekton lists
 * the same entries. A case matches an entry only when draconctl's verdict is
 * the entry's; an entry no case needs any more fails the test.
 *
 * @module
 */

/** One expected difference: the cases (by name), draconctl's verdict on them, and why. */
export interface ExpectedDifference {
  id: string;
  cases: RegExp;
  draconctl: "ok" | "error";
  reason: string;
}

export const EXPECTED_DIFFERENCES: readonly ExpectedDifference[] = [
  {
    id: "context-variables-of-every-task",
    cases: /\/an unknown context variable$/,
    draconctl: "error",
    reason:
      "Tekton's validatePipelineContextVariables assigns (`paramValues = …`) where it means " +
      "to append in its loop over the pipeline tasks, so it checks the params of the last task " +
      "of `tasks` and of `finally` only; draconctl checks every task. An unknown " +
      "`$(context.pipelineRun.x)` is never substituted: the Task would get the literal text.",
  },
];
