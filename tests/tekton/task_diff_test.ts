import assert from "node:assert/strict";
import { diffTasks } from "../../src/tekton/task_diff.ts";
import type { Task } from "../../src/tekton/types.ts";

function task(spec: Task["spec"]): Task {
  return { apiVersion: "tekton.dev/v1beta1", kind: "Task", metadata: { name: "t" }, spec };
}

const BASE = task({
  params: [
    { name: "a", type: "string", default: "x" },
    { name: "b", type: "array", default: ["1"] },
    { name: "c" },
  ],
  results: [{ name: "r" }, { name: "s", type: "array" }],
  workspaces: [{ name: "w" }, { name: "o", optional: true }],
  steps: [{ name: "run", image: "alpine:1", script: "echo" }, { image: "busybox" }],
  sidecars: [{ name: "db", image: "postgres:15" }],
});

Deno.test("diffTasks: the same Task has no change", () => {
  assert.deepEqual(diffTasks(BASE, structuredClone(BASE)), []);
});

Deno.test("diffTasks: incompatible and compatible changes, each naming its field", () => {
  const next = task({
    params: [
      { name: "a", type: "string" }, // default removed
      { name: "b", default: "1" }, // type array → string (from the default)
      { name: "d", default: "y" }, // added with default
      { name: "e" }, // added, required
    ],
    results: [{ name: "r", type: "string", description: "now documented" }, { name: "t" }],
    workspaces: [{ name: "w", optional: true }, { name: "o" }, { name: "n", optional: true }],
    steps: [{ name: "run", image: "alpine:2", script: "echo" }, { image: "busybox", args: ["x"] }],
    sidecars: [{ name: "db", image: "postgres:16" }],
    volumes: [{ name: "v", emptyDir: {} }],
  });
  const got = diffTasks(BASE, next).map((c) =>
    `${c.incompatible ? "!" : " "} ${c.field}: ${c.change}`
  );
  assert.deepEqual(got, [
    '! params "a": default removed: now required',
    '! params "b": type "array" → "string"',
    '  params "b": default ["1"] → "1"',
    '! params "c": removed',
    '  params "d": added (default "y")',
    '! params "e": added without default: required',
    '  results "r": description changed',
    '! results "s": removed',
    '  results "t": added',
    '  workspaces "w": now optional',
    '! workspaces "o": now required (was optional)',
    '  workspaces "n": added, optional',
    '  steps "run" image: "alpine:1" → "alpine:2"',
    "  steps [1]: args changed",
    '  sidecars "db" image: "postgres:15" → "postgres:16"',
    "  spec.volumes: added",
  ]);
});
