import assert from "node:assert/strict";
import { problemsOf } from "../_problems.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import {
  helmExpressionsIn,
  holdsHelmExpression,
  invalidNameReason,
  toTask,
} from "../../src/tekton/task.ts";
import {
  componentTypeOf,
  DEFAULT_ANCHOR_IMAGE,
  processTask,
  validateTask,
} from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";

const CORPUS = new URL("../../../shared/dracon/components/", import.meta.url);

function task(type: string, spec: Partial<Task["spec"]> = {}, name = `${type}-x`): Task {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, labels: { "v1.dracon.ocurity.com/component": type } },
    spec: { steps: [{ name: "run", image: "busybox" }], ...spec },
  };
}

async function corpusTasks(): Promise<{ origin: string; task: Task }[]> {
  const found: { origin: string; task: Task }[] = [];
  const walk = async (dir: URL): Promise<void> => {
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, dir));
      else if (entry.name === "task.yaml") {
        const url = new URL(entry.name, dir);
        const origin = url.pathname.slice(CORPUS.pathname.length);
        const [doc] = await parseYamlDocuments(await Deno.readTextFile(url), origin);
        found.push({ origin, task: toTask(doc?.value, origin) });
      }
    }
  };
  await walk(CORPUS);
  return found;
}

Deno.test("toTask() accepts Tekton Tasks and returns a copy", async (t) => {
  for (const apiVersion of ["tekton.dev/v1beta1", "tekton.dev/v1"]) {
    await t.step(apiVersion, () => {
      const value = { ...task("producer"), apiVersion };
      const result = toTask(value, "x.yaml");
      assert.deepEqual(result, value);
      assert.notEqual(result.spec, value.spec);
    });
  }
});

Deno.test("toTask() refuses documents that are not Tasks", async (t) => {
  const cases: [string, unknown, string][] = [
    ["a list", [], "x.yaml: expected a Task mapping, found a list"],
    [
      "a Pipeline",
      { ...task("base"), kind: "Pipeline" },
      'x.yaml: expected kind "Task", found "Pipeline"',
    ],
    [
      "another API",
      { ...task("base"), apiVersion: "v1" },
      'x.yaml: expected apiVersion "tekton.dev/v1beta1" or "tekton.dev/v1", found "v1"',
    ],
    [
      "no name",
      { ...task("base"), metadata: {} },
      'x.yaml: expected "metadata.name" to be a string',
    ],
    ["a bad name", task("base", {}, "Bad_Name"), 'x.yaml: name "Bad_Name" is not a valid'],
    ["a long name", task("base", {}, "a".repeat(64)), "is longer than 63 characters"],
    [
      "no spec",
      { ...task("base"), spec: "x" },
      'x.yaml: expected "spec" to be a mapping, found "x"',
    ],
    [
      "labels not strings",
      { ...task("base"), metadata: { name: "a", labels: { x: 1 } } },
      'x.yaml: expected "metadata.labels" to map names to strings',
    ],
  ];
  for (const [label, value, message] of cases) {
    await t.step(label, () => {
      const problems = problemsOf(() => toTask(value, "x.yaml"));
      assert.ok(problems.some((p) => p.includes(message)), problems.join("\n"));
    });
  }
  await t.step("reports every problem at once", () => {
    const problems = problemsOf(() => toTask({ apiVersion: "v1", kind: "Pod" }, "x.yaml"));
    assert.equal(problems.length, 4);
  });
});

Deno.test("invalidNameReason() applies the DNS-1123 label rule", () => {
  assert.equal(invalidNameReason("producer-golang-gosec"), undefined);
  assert.equal(invalidNameReason("a".repeat(63)), undefined);
  assert.match(invalidNameReason("a".repeat(64)) ?? "", /longer than 63/);
  assert.match(invalidNameReason("-a") ?? "", /not a valid Kubernetes name/);
  assert.match(invalidNameReason("a.b") ?? "", /not a valid Kubernetes name/);
});

Deno.test("validateTask() accepts a valid Task", () => {
  const valid = task("producer", {
    params: [
      { name: "producer-x-flags", type: "array", default: ["-r"] },
      { name: "producer-x-level" },
      { name: "anchors", type: "array", default: [] },
      { name: "dracon_scan_id", type: "string" },
    ],
  });
  assert.deepEqual(validateTask(valid, "x.yaml"), []);
});

Deno.test("validateTask() reports every problem, naming file and Task", async (t) => {
  const cases: [string, Task, string][] = [
    [
      "missing label",
      { ...task("producer"), metadata: { name: "producer-x" } },
      'x.yaml: Task "producer-x": missing label "v1.dracon.ocurity.com/component"',
    ],
    [
      "unknown type",
      task("scanner", {}, "producer-x"),
      'x.yaml: Task "producer-x": label "v1.dracon.ocurity.com/component" has unknown component type "scanner": expected one of "base", "source"',
    ],
    [
      "unprefixed param",
      task("producer", { params: [{ name: "flags" }] }),
      'x.yaml: Task "producer-x": param "flags" does not start with the Task name "producer-x"',
    ],
    [
      "object type",
      task("producer", { params: [{ name: "producer-x-o", type: "object" }] }),
      'param "producer-x-o" has unsupported type "object": expected "string" or "array"',
    ],
    [
      "unknown param type",
      task("producer", { params: [{ name: "producer-x-o", type: "int" }] }),
      'param "producer-x-o" has unknown type "int": expected "string" or "array"',
    ],
    [
      "object default",
      task("producer", { params: [{ name: "producer-x-o", default: { a: "b" } }] }),
      'param "producer-x-o" of type "string" has a default that is not a string: a mapping',
    ],
    [
      "string default of an array",
      task("producer", { params: [{ name: "producer-x-o", type: "array", default: "a" }] }),
      'param "producer-x-o" of type "array" has a default that is not a list of strings: "a"',
    ],
    [
      "duplicate param",
      task("producer", { params: [{ name: "producer-x-a" }, { name: "producer-x-a" }] }),
      'param "producer-x-a" is declared more than once',
    ],
    ["no steps", task("producer", { steps: [] }), 'Task "producer-x": has no steps'],
    [
      "params not a list",
      task("producer", { params: "x" as never }),
      'expected "spec.params" to be a list, found "x"',
    ],
  ];
  for (const [label, value, message] of cases) {
    await t.step(label, () => {
      const problems = validateTask(value, "x.yaml");
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0]!.includes(message), problems[0]!);
      assert.ok(!problems[0]!.endsWith("."));
    });
  }
  await t.step("all at once", () => {
    const bad = task("producer", {
      params: [{ name: "a" }, { name: "b", type: "object" }],
      steps: [],
    });
    assert.equal(validateTask(bad, "x.yaml").length, 4);
  });
});

Deno.test("componentTypeOf() reads the label", () => {
  assert.equal(componentTypeOf(task("enricher-aggregator")), "enricher-aggregator");
  const problems = problemsOf(() => componentTypeOf(task("nope")));
  assert.match(problems[0]!, /unknown component type "nope"/);
});

Deno.test("processTask() adds what each component type needs", async (t) => {
  const names = (list?: { name?: string }[]) => (list ?? []).map((x) => x.name);
  await t.step("base gets nothing", () => {
    const base = task("base");
    assert.deepEqual(processTask(base), base);
  });
  await t.step("source gets an anchor result and step, no anchors param", () => {
    const processed = processTask(task("source"));
    assert.deepEqual(names(processed.spec.params), []);
    assert.deepEqual(names(processed.spec.results), ["anchor"]);
    assert.deepEqual(processed.spec.steps?.at(-1), {
      name: "anchor",
      image: "docker.io/busybox",
      script: 'echo "$(context.task.name)" > "$(results.anchor.path)"',
    });
  });
  await t.step("producer gets anchors, scan params and env", () => {
    const processed = processTask(task("producer", { params: [{ name: "producer-x-a" }] }));
    assert.deepEqual(names(processed.spec.params), [
      "producer-x-a",
      "anchors",
      "dracon_scan_id",
      "dracon_scan_start_time",
      "dracon_scan_tags",
    ]);
    assert.deepEqual(processed.spec.params?.[1], {
      name: "anchors",
      description: "A list of tasks that this task depends on",
      type: "array",
      default: [],
    });
    assert.deepEqual(processed.spec.steps?.[0]?.env, [
      { name: "DRACON_SCAN_ID", value: "$(params.dracon_scan_id)" },
      { name: "DRACON_SCAN_TIME", value: "$(params.dracon_scan_start_time)" },
      { name: "DRACON_SCAN_TAGS", value: "$(params.dracon_scan_tags)" },
    ]);
    assert.deepEqual(names(processed.spec.steps), ["run", "anchor"]);
    assert.equal(processed.spec.steps?.[1]?.env, undefined);
  });
  await t.step("consumer gets anchors only", () => {
    const processed = processTask(task("consumer"));
    assert.deepEqual(names(processed.spec.params), ["anchors"]);
    assert.equal(processed.spec.results, undefined);
    assert.deepEqual(names(processed.spec.steps), ["run"]);
  });
  await t.step("an existing anchor result is not duplicated (git-clone)", () => {
    const processed = processTask(task("source", { results: [{ name: "anchor" }] }));
    assert.deepEqual(processed.spec.results, [{ name: "anchor" }]);
    assert.deepEqual(names(processed.spec.steps), ["run", "anchor"]);
  });
  await t.step("existing params and env are kept", () => {
    const processed = processTask(task("producer", {
      params: [{ name: "dracon_scan_id", type: "string", description: "mine" }],
      steps: [{ name: "run", env: [{ name: "DRACON_SCAN_ID", value: "x" }] }],
    }));
    assert.equal(processed.spec.params?.[0]?.description, "mine");
    assert.deepEqual(processed.spec.steps?.[0]?.env?.[0], { name: "DRACON_SCAN_ID", value: "x" });
    assert.equal(processed.spec.steps?.[0]?.env?.length, 3);
  });
  await t.step("the input is not changed", () => {
    const input = task("producer");
    const copy = structuredClone(input);
    processTask(input);
    assert.deepEqual(input, copy);
  });
  await t.step("processing twice equals processing once", () => {
    for (const type of ["base", "source", "producer", "enricher", "consumer"]) {
      const once = processTask(task(type));
      assert.deepEqual(processTask(once), once);
    }
  });
});

Deno.test("processTask() takes the anchor step's image from anchorImage", async (t) => {
  const image = `registry.internal.example/busybox@sha256:${"a".repeat(64)}`;
  const anchorOf = (processed: Task) => processed.spec.steps?.find((s) => s.name === "anchor");
  await t.step("every type with an anchor step gets the configured image", () => {
    for (const type of ["source", "producer", "enricher"]) {
      assert.equal(anchorOf(processTask(task(type), { anchorImage: image }))?.image, image, type);
      assert.equal(anchorOf(processTask(task(type)))?.image, DEFAULT_ANCHOR_IMAGE, type);
    }
    assert.equal(anchorOf(processTask(task("consumer"), { anchorImage: image })), undefined);
  });
  await t.step("idempotent with the option; a Task's own anchor step is left alone", () => {
    const once = processTask(task("producer"), { anchorImage: image });
    assert.deepEqual(processTask(once, { anchorImage: image }), once);
    assert.deepEqual(processTask(once), once, "another image does not replace the step");
    const own = { name: "anchor", image: "mine:1", script: "true" };
    const declared = processTask(
      task("enricher", {
        steps: [{ name: "run", image: "busybox" }, own],
      }),
      { anchorImage: image },
    );
    assert.deepEqual(declared.spec.steps, [{ name: "run", image: "busybox" }, own]);
  });
});

Deno.test("helmExpressionsIn() lists the paths of Helm template expressions", () => {
  const value = task("producer", {
    steps: [
      { name: "a", image: "busybox" },
      { name: "b", image: '{{ default "ghcr.io/ocurity/dracon" .Values.image.registry }}/x:1' },
    ],
  });
  value.metadata.annotations = { "dracon.io/v": "{{ .Chart.AppVersion }}" };
  assert.deepEqual(helmExpressionsIn(value), [
    'metadata.annotations["dracon.io/v"]',
    "spec.steps[1].image",
  ]);
  assert.deepEqual(helmExpressionsIn(task("producer")), []);
});

Deno.test("holdsHelmExpression() is helmExpressionsIn() being non-empty, corpus and edge cases", async () => {
  const one = (image: string, key = "a") =>
    task("producer", { steps: [{ name: "a", image, env: [{ name: key, value: "x" }] }] });
  const cases: Task[] = [
    ...(await corpusTasks()).map((t) => t.task),
    task("producer"),
    one("{{ .Values.image }}"),
    one("{{ not-an-expression }}"),
    one("{{- .Values.trimmed }}"),
    one('{{ "{{" }}'),
    one("x", "{{ .Values.in-an-env-name }}"),
    { ...task("producer"), metadata: { name: "k", annotations: { "{{ .Values.key }}": "x" } } },
    one("{{\n.Values.x }}"),
  ];
  const holding = cases.filter(holdsHelmExpression).length;
  assert.ok(holding > 1 && holding < cases.length, "both outcomes are exercised");
  for (const value of cases) {
    assert.equal(holdsHelmExpression(value), helmExpressionsIn(value).length > 0);
  }
});

Deno.test("corpus Tasks validate and process idempotently", async (t) => {
  const tasks = await corpusTasks();
  assert.equal(tasks.length, 48);
  for (const { origin, task } of tasks) {
    await t.step(origin, () => {
      assert.deepEqual(validateTask(task, origin), []);
      const once = processTask(task);
      assert.deepEqual(validateTask(once, origin), []);
      assert.deepEqual(processTask(once), once);
    });
  }
  await t.step("every corpus image with a Helm expression is found", () => {
    const gosec = tasks.find((x) => x.task.metadata.name === "producer-golang-gosec")!;
    assert.deepEqual(helmExpressionsIn(gosec.task), ["spec.steps[1].image"]);
  });
});

Deno.test("processTask() writes fractional resource quantities as strings", () => {
  const task = toTask({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name: "enricher-q", labels: { "v1.dracon.ocurity.com/component": "enricher" } },
    spec: {
      steps: [{ name: "run", image: "busybox", computeResources: { requests: { cpu: 0.25 } } }],
      sidecars: [{
        name: "opa",
        image: "opa",
        resources: { requests: { cpu: 0.5, memory: "512Mi" }, limits: { cpu: 1 } },
      }],
    },
  }, "q.yaml");
  const processed = processTask(task);
  const sidecar =
    (processed.spec.sidecars as { resources: { requests: unknown; limits: unknown } }[])[0]!;
  assert.deepEqual(sidecar.resources.requests, { cpu: "0.5", memory: "512Mi" });
  assert.deepEqual(sidecar.resources.limits, { cpu: 1 }, "integers are valid as they are");
  assert.deepEqual(processed.spec.steps![0]!.computeResources, { requests: { cpu: "0.25" } });
  assert.deepEqual(processTask(processed), processed, "idempotent");
});
