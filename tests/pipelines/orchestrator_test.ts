import assert from "node:assert/strict";
import { ClusterError, ValidationError } from "../../src/errors.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import type { ResolvedComponent } from "../../src/pipelines/component.ts";
import type { ComponentType } from "../../src/dracon/component_type.ts";
import { DEFAULT_BASE_PIPELINE } from "../../src/pipelines/base_pipeline.ts";
import type { Applier } from "../../src/k8s/applier.ts";
import {
  DeployError,
  DeployInterruptedError,
  type DeployOptions,
  type Prepared,
  renderComponents,
  tektonOrchestrator,
} from "../../src/pipelines/orchestrator.ts";
import type { HelmRef, PipelinePlan } from "../../src/pipelines/plan.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { DEFAULT_APPLY_CONCURRENCY } from "../../src/pipelines/_concurrency.ts";

function task(name: string, type: ComponentType, image = "busybox"): Task {
  return processTask({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, labels: { "v1.dracon.ocurity.com/component": type } },
    spec: { steps: [{ name: "run", image }] },
  });
}

function local(name: string, type: ComponentType, image?: string): ResolvedComponent {
  return {
    ref: { kind: "file", raw: `./${name}`, path: `/x/${name}` },
    name,
    type,
    task: task(name, type, image),
    origin: `/x/${name}/task.yaml`,
  };
}

function helmRef(release: string, name: string): HelmRef {
  return { kind: "helm", raw: `helm://${release}/${name}`, release, task: name };
}

/**
 * The seed's flow on the in-memory cluster, as `deployPipeline` runs it:
 * the releases from its one LIST, `prepare`, then `deploy` of that value.
 */
function orchestrate(cluster: MemoryApplier, options: { namespace: string; concurrency?: number }) {
  let prepared: Prepared | undefined;
  return {
    get warnings(): string[] {
      return prepared?.warnings ?? [];
    },
    async prepare(p: PipelinePlan): Promise<Prepared> {
      const releases = await cluster.listHelmTasks();
      prepared = tektonOrchestrator.prepare(p, releases, { namespace: options.namespace });
      return prepared;
    },
    deploy(applier: Applier, deployOptions: DeployOptions = {}) {
      if (prepared === undefined) throw new Error("prepare() first");
      return tektonOrchestrator.deploy(prepared, applier, {
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...deployOptions,
      });
    },
  };
}

function plan(components: ResolvedComponent[], helm: HelmRef[] = []): PipelinePlan {
  return {
    file: "/x/kustomization.yaml",
    kustomization: { nameSuffix: "-demo", components: [], resources: [] },
    base: structuredClone(DEFAULT_BASE_PIPELINE),
    refs: [...components.map((c) => c.ref), ...helm],
    local: components,
    helm,
    values: [],
    warnings: [],
  };
}

Deno.test("The orchestrator applies the Tasks, then the Pipeline", async () => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  const orchestrator = orchestrate(cluster, { namespace: "dracon" });
  const prepared = await orchestrator.prepare(
    plan([local("base", "base"), local("producer-x", "producer")]),
  );
  assert.equal(prepared.pipeline.metadata.name, "dracon-demo");
  assert.equal(prepared.pipeline.metadata.namespace, "dracon");
  const changes = await orchestrator.deploy(cluster);
  assert.deepEqual(changes.map((c) => `${c.subject} ${c.action}`), [
    "task.tekton.dev/base created",
    "task.tekton.dev/producer-x created",
    "pipeline.tekton.dev/dracon-demo created",
  ]);
  const again = await orchestrator.deploy(cluster);
  assert.ok(again.every((c) => c.action === "unchanged"), JSON.stringify(again));
});

Deno.test("The orchestrator never applies the Pipeline after a Task failed", async () => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  cluster.applyErrors.set(
    "producer-x",
    new ClusterError("task.tekton.dev/producer-x: invalid: spec.steps[0].image: Required value"),
  );
  const orchestrator = orchestrate(cluster, { namespace: "dracon" });
  await orchestrator.prepare(plan([local("base", "base"), local("producer-x", "producer")]));
  const error = await orchestrator.deploy(cluster).then(() => undefined, (e) => e);
  assert.ok(error instanceof DeployError);
  assert.match(
    error.message,
    /task\.tekton\.dev\/producer-x could not be applied, so the Pipeline was not applied/,
  );
  assert.deepEqual(error.changes.map((c) => `${c.name} ${c.action}`), [
    "base created",
    "producer-x failed",
    "dracon-demo skipped",
  ]);
  assert.equal(cluster.get("Pipeline", "dracon-demo"), undefined);
});

Deno.test("The orchestrator.prepare() resolves helm:// references with one LIST", async (t) => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  cluster.addHelmTask("ci", task("base", "base"));
  cluster.addHelmTask("ci", task("git-clone", "source"));
  const orchestrator = orchestrate(cluster, { namespace: "dracon" });

  await t.step("found Tasks are used as they are and never re-applied", async () => {
    const prepared = await orchestrator.prepare(
      plan([local("producer-x", "producer")], [helmRef("ci", "base"), helmRef("ci", "git-clone")]),
    );
    assert.deepEqual(prepared.helm.map((c) => c.name), ["base", "git-clone"]);
    assert.deepEqual(prepared.pipeline.spec.tasks?.map((t) => t.name), [
      "base",
      "git-clone",
      "producer-x",
    ]);
    const changes = await orchestrator.deploy(cluster);
    assert.deepEqual(changes.map((c) => c.name), ["producer-x", "dracon-demo"]);
    assert.equal(cluster.listCalls, 1);
  });

  await t.step("a missing release lists the releases that are there", async () => {
    const error = await orchestrator.prepare(
      plan([local("base", "base")], [helmRef("nope", "git-clone")]),
    ).catch((e) => e);
    assert.ok(error instanceof ValidationError);
    assert.match(
      error.message,
      /no Helm release "nope" with Tasks in namespace "dracon" \(releases there: "ci"\)/,
    );
  });

  await t.step("a missing Task lists the Tasks of the release", async () => {
    const error = await orchestrator.prepare(
      plan([local("base", "base")], [helmRef("ci", "semgrep")]),
    ).catch((e) => e);
    assert.match(
      String(error),
      /release "ci" has no Task "semgrep" in namespace "dracon" \(it has: base, git-clone\)/,
    );
  });

  await t.step("a local Task owned by a Helm release is refused, naming the release", async () => {
    const error = await orchestrator.prepare(
      plan([local("git-clone", "source", "alpine:3.20")], [helmRef("ci", "base")]),
    ).catch((e) => e);
    assert.ok(error instanceof ValidationError);
    assert.match(
      error.message,
      /Task "git-clone" is owned by Helm release "ci" on the cluster and differs/,
    );
    assert.match(error.hint ?? "", /helm:\/\/ci\/git-clone/);
  });

  await t.step(
    "a local Task identical to the Helm release's is provided by it, not applied",
    async () => {
      const fresh = orchestrate(cluster, { namespace: "dracon" });
      const prepared = await fresh.prepare(
        plan([local("git-clone", "source")], [helmRef("ci", "base")]),
      );
      assert.deepEqual(prepared.tasks, [], "nothing to apply");
      assert.deepEqual(prepared.helm.map((c) => c.name), ["base", "git-clone"]);
      assert.deepEqual(prepared.pipeline.spec.tasks?.map((t) => t.name), ["base", "git-clone"]);
      assert.match(
        fresh.warnings.join("\n"),
        /Task "git-clone" is identical to the one Helm release "ci" installed/,
      );
    },
  );

  await t.step("every problem is reported at once, before any write", async () => {
    const before = cluster.calls.length;
    const error = await orchestrator.prepare(
      plan([local("git-clone", "source", "alpine:3.20")], [
        helmRef("nope", "a"),
        helmRef("ci", "b"),
      ]),
    ).catch((e) => e);
    assert.ok(error instanceof ValidationError);
    assert.equal(error.problems.length, 4, error.message); // 2 refs, 1 ownership, no base
    assert.equal(cluster.calls.length, before);
  });
});

Deno.test("The orchestrator.prepare() fails when the Helm LIST fails, before any write", async () => {
  const cluster = new MemoryApplier();
  cluster.listError = new ClusterError("connection refused");
  const orchestrator = orchestrate(cluster, { namespace: "default" });
  await assert.rejects(orchestrator.prepare(plan([local("base", "base")])), /connection refused/);
  assert.equal(cluster.calls.length, 0);
});

Deno.test("The orchestrator.deploy() applies at most `concurrency` Tasks at once", async () => {
  const cluster = new MemoryApplier({ delayMs: 5 });
  const orchestrator = orchestrate(cluster, { namespace: "default", concurrency: 3 });
  const components = [
    local("base", "base"),
    ...Array.from({ length: 10 }, (_, i) => local(`producer-${i}`, "producer")),
  ];
  await orchestrator.prepare(plan(components));
  await orchestrator.deploy(cluster);
  assert.equal(cluster.maxInFlight, 3);
});

Deno.test("Without `concurrency`, deploy() applies DEFAULT_APPLY_CONCURRENCY Tasks at once: 50 in one round", async (t) => {
  const cases: [number, number][] = [
    [50, 50],
    [DEFAULT_APPLY_CONCURRENCY + 20, DEFAULT_APPLY_CONCURRENCY],
  ];
  for (const [n, expected] of cases) {
    await t.step(`${n} Tasks: ${expected} in flight`, async () => {
      const cluster = new MemoryApplier({ delayMs: 5 });
      const orchestrator = orchestrate(cluster, { namespace: "default" });
      const components = [
        local("base", "base"),
        ...Array.from({ length: n - 1 }, (_, i) => local(`producer-${i}`, "producer")),
      ];
      await orchestrator.prepare(plan(components));
      await orchestrator.deploy(cluster);
      assert.equal(cluster.maxInFlight, expected);
    });
  }
});

Deno.test("renderComponents() renders only Tasks holding Helm expressions, in one call, and checks the result", async (t) => {
  const templated = local("base", "base", "{{ .Values.image.registry }}/x");
  const plain = local("producer-x", "producer");
  const other = local("producer-z", "producer", "{{ .Values.z }}");
  await t.step("one call for all of them, the rest untouched", async () => {
    const calls: string[][] = [];
    const out = await renderComponents([templated, plain, other], (components) => {
      calls.push(components.map((c) => c.name));
      return Promise.resolve(
        components.map((c) => task(c.name, c.type, `registry.example/${c.name}`)),
      );
    });
    assert.deepEqual(calls, [["base", "producer-z"]]);
    assert.equal(out[0]!.task.spec.steps![0]!.image, "registry.example/base");
    assert.equal(out[1], plain);
    assert.equal(out[2]!.task.spec.steps![0]!.image, "registry.example/producer-z");
  });
  await t.step("nothing to render: no call", async () => {
    const out = await renderComponents([plain], () => Promise.reject(new Error("called")));
    assert.deepEqual(out, [plain]);
  });
  await t.step("a rendered Task that breaks Tekton's rules is refused, all at once", async () => {
    const error = await renderComponents(
      [templated, local("producer-y", "producer", "{{ .Values.x }}")],
      (components) => Promise.resolve(components.map((c) => task(c.name, c.type, ""))),
    ).catch((e) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.problems.length, 2, error.message);
  });
});

Deno.test("The orchestrator.deploy() checks every kind before the first write", async () => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  cluster.checkError = new ClusterError("The Pipeline kind (tekton.dev) is not installed");
  const orchestrator = orchestrate(cluster, { namespace: "dracon" });
  await orchestrator.prepare(plan([local("base", "base"), local("producer-x", "producer")]));
  const error = await orchestrator.deploy(cluster).then(() => undefined, (e) => e);
  assert.equal(error, cluster.checkError);
  assert.equal(cluster.checkCalls, 1);
  assert.deepEqual(cluster.calls, [], "no apply was attempted");
});

Deno.test("The orchestrator reports the applied Tasks when the Pipeline itself fails", async () => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  cluster.applyErrors.set(
    "dracon-demo",
    new ClusterError("pipeline.tekton.dev/dracon-demo: invalid"),
  );
  const orchestrator = orchestrate(cluster, { namespace: "dracon" });
  await orchestrator.prepare(plan([local("base", "base"), local("producer-x", "producer")]));
  const error = await orchestrator.deploy(cluster).then(() => undefined, (e) => e);
  assert.ok(error instanceof DeployError);
  assert.match(
    error.message,
    /^Deploy failed: pipeline\.tekton\.dev\/dracon-demo could not be applied after 2 Task\(s\) were applied or changed: /,
  );
  assert.deepEqual(error.changes.map((c) => `${c.name} ${c.action}`), [
    "base created",
    "producer-x created",
    "dracon-demo failed",
  ]);
});

Deno.test("The orchestrator.deploy() stopped by a signal starts no apply and skips the Pipeline", async (t) => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    await t.step(signal, async () => {
      const cluster = new MemoryApplier({ namespace: "dracon" });
      const stop = new AbortController();
      // The signal arrives while the second Task is being applied.
      cluster.applyError = (object) => {
        if (object.metadata.name === "producer-a") stop.abort(signal);
        return undefined;
      };
      const orchestrator = orchestrate(cluster, { namespace: "dracon", concurrency: 1 });
      await orchestrator.prepare(plan([
        local("base", "base"),
        local("producer-a", "producer"),
        local("producer-b", "producer"),
        local("producer-c", "producer"),
      ]));
      const error = await orchestrator.deploy(cluster, { stop: stop.signal }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof DeployInterruptedError, String(error));
      assert.equal(error.exitCode, code);
      assert.match(
        error.message,
        new RegExp(`^interrupted \\(${signal}\\): 2 of 4 Task\\(s\\) applied`),
      );
      assert.deepEqual(error.changes.map((c) => `${c.name} ${c.action}`), [
        "base created",
        "producer-a created",
        "producer-b skipped",
        "producer-c skipped",
        "dracon-demo skipped",
      ]);
      assert.deepEqual(cluster.applied.map((o) => o.metadata.name), ["base", "producer-a"]);
    });
  }
});

Deno.test("DeployError names at most three failed objects, then how many more", () => {
  const entry = (name: string) => ({
    subject: `task.tekton.dev/${name}`,
    kind: "Task",
    namespace: "dracon",
    name,
    action: "failed" as const,
  });
  const error = new DeployError(["a", "b", "c", "d", "e"].map(entry), [new Error("boom")]);
  assert.equal(
    error.message,
    "Deploy failed: task.tekton.dev/a, task.tekton.dev/b, task.tekton.dev/c and 2 more could not be applied, " +
      "so the Pipeline was not applied: boom",
  );
});
