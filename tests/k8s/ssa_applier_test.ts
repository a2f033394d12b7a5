/**
 * SsaApplier over a fake ObjectClient: caching, request counts, concurrency
 * and retries, with no network. The real server is in tests/cluster/.
 */
import assert from "node:assert/strict";
import {
  ApiStatusError,
  ApplyError,
  KindNotServedError,
  KubeApiError,
} from "../../src/k8s/api_errors.ts";
import type { ObjectClient, ServerSideApplyOptions } from "../../src/k8s/object_client.ts";
import { canonicalJson, sameObject, SsaApplier } from "../../src/k8s/ssa_applier.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";

/** An ObjectClient over a map, with error knobs and a call log. */
class FakeObjectClient implements ObjectClient {
  readonly server = "https://fake:6443";
  readonly store = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  /** Errors thrown by the next apply calls, in order. */
  applyErrors: Error[] = [];
  /** Errors thrown by the next list calls, in order. */
  listErrors: Error[] = [];
  #rv = 0;

  get(_a: string, _k: string, _ns: string, name: string): Promise<KubeObject | undefined> {
    return Promise.reject(new Error(`GET ${name}: not used by these tests`));
  }
  delete(_a: string, _k: string, _ns: string, name: string): Promise<boolean> {
    return Promise.reject(new Error(`DELETE ${name}: not used by these tests`));
  }
  apply(object: KubeObject, options: ServerSideApplyOptions): Promise<KubeObject> {
    this.calls.push(`PATCH ${object.metadata.name}${options.dryRun ? " dry" : ""}`);
    const error = this.applyErrors.shift();
    if (error) return Promise.reject(error);
    const current = this.store.get(object.metadata.name);
    const merged = structuredClone({
      ...object,
      metadata: {
        ...object.metadata,
        uid: current?.metadata.uid ?? "uid-1",
        resourceVersion: String(current?.metadata.resourceVersion ?? 0),
        managedFields: [{ manager: options.fieldManager }],
      },
    });
    if (!options.dryRun) {
      const changed = current === undefined || !sameObject(current, merged);
      if (changed) merged.metadata.resourceVersion = String(++this.#rv);
      this.store.set(object.metadata.name, merged);
    }
    return Promise.resolve(merged);
  }

  create(): Promise<KubeObject> {
    return Promise.reject(new Error("not used"));
  }
  async list(apiVersion: string, kind: string, namespace: string): Promise<KubeObject[]> {
    this.calls.push(`LIST ${apiVersion} ${kind} ${namespace}`);
    await new Promise((r) => setTimeout(r, 1));
    const error = this.listErrors.shift();
    if (error) throw error;
    return [...this.store.values()].map((o) => structuredClone(o));
  }
}

function task(name: string, image = "alpine:3.20"): KubeObject {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name },
    spec: { steps: [{ name: "run", image }] },
  };
}

const noSleep = { sleep: () => Promise.resolve() };

Deno.test("SsaApplier.apply() compares a dry run with the live object", async (t) => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { namespace: "dracon", retry: noSleep });
  await t.step("created: not in the LIST, so the real apply at once (no dry run)", async () => {
    const entry = await applier.apply(task("a"));
    assert.equal(entry.action, "created");
    assert.equal(entry.subject, "task.tekton.dev/a");
    assert.deepEqual(client.calls, ["LIST tekton.dev/v1beta1 Task dracon", "PATCH a"]);
  });
  await t.step("unchanged: only the dry run, from the cache (no second LIST)", async () => {
    client.calls.length = 0;
    assert.equal((await applier.apply(task("a"))).action, "unchanged");
    assert.deepEqual(client.calls, ["PATCH a dry"]);
  });
  await t.step("configured", async () => {
    client.calls.length = 0;
    assert.equal((await applier.apply(task("a", "alpine:3.21"))).action, "configured");
    assert.deepEqual(client.calls, ["PATCH a dry", "PATCH a"]);
  });
  await t.step("dryRun: the action, and no real apply", async () => {
    client.calls.length = 0;
    assert.equal((await applier.apply(task("b"), { dryRun: true })).action, "created");
    assert.deepEqual(client.calls, ["PATCH b dry"]);
    assert.equal(client.store.has("b"), false);
  });
});

Deno.test("SsaApplier lists each kind once, however many applies run at once", async () => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { retry: noSleep });
  const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
  await Promise.all(names.map((n) => applier.apply(task(n))));
  await applier.apply({ ...task("p"), kind: "Pipeline", apiVersion: "tekton.dev/v1" });
  assert.deepEqual(client.calls.filter((c) => c.startsWith("LIST")), [
    "LIST tekton.dev/v1beta1 Task default",
    "LIST tekton.dev/v1 Pipeline default",
  ]);
});

Deno.test("SsaApplier.prefetch() lists ahead of the applies", async () => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { namespace: "ns" });
  await applier.prefetch([{ apiVersion: "tekton.dev/v1beta1", kind: "Task" }]);
  await applier.apply(task("a"));
  assert.deepEqual(client.calls, ["LIST tekton.dev/v1beta1 Task ns", "PATCH a"]);
});

Deno.test("SsaApplier retries transient failures, never a 4xx", async (t) => {
  await t.step("503 twice, then success", async () => {
    const client = new FakeObjectClient();
    const sleeps: number[] = [];
    const applier = new SsaApplier(client, {
      retry: { sleep: (ms) => (sleeps.push(ms), Promise.resolve()) },
    });
    client.applyErrors = [new ApiStatusError(503, {}), new ApiStatusError(503, {})];
    assert.equal((await applier.apply(task("a"))).action, "created");
    assert.deepEqual(sleeps, [200, 400]);
  });
  await t.step("a reset connection is retried", async () => {
    const client = new FakeObjectClient();
    const applier = new SsaApplier(client, { retry: noSleep });
    client.applyErrors = [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      }),
    ];
    assert.equal((await applier.apply(task("a"))).action, "created");
  });
  await t.step("a 409 is not retried and becomes an ApplyError", async () => {
    const client = new FakeObjectClient();
    const applier = new SsaApplier(client, { retry: noSleep });
    client.applyErrors = [
      new ApiStatusError(409, {
        message: 'Apply failed with 1 conflict: conflict with "x": .spec',
        reason: "Conflict",
        details: {
          causes: [{ reason: "FieldManagerConflict", message: 'conflict with "x": .spec' }],
        },
      }),
    ];
    await assert.rejects(
      applier.apply(task("a")),
      (e: unknown) => e instanceof ApplyError && e.status === 409 && e.message.includes('"x"'),
    );
    assert.equal(client.calls.filter((c) => c.startsWith("PATCH")).length, 1);
  });
  await t.step("three 500s give up with the mapped error", async () => {
    const client = new FakeObjectClient();
    const applier = new SsaApplier(client, { retry: noSleep });
    client.applyErrors = [500, 500, 500].map((c) => new ApiStatusError(c, { message: "etcd" }));
    await assert.rejects(
      applier.apply(task("a")),
      (e: unknown) => e instanceof ApplyError && e.status === 500,
    );
    assert.equal(client.calls.filter((c) => c.startsWith("PATCH")).length, 3);
  });
});

Deno.test("SsaApplier does not cache a failed LIST", async () => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { retry: noSleep });
  client.listErrors = [new ApiStatusError(403, { message: "forbidden", reason: "Forbidden" })];
  await assert.rejects(
    applier.apply(task("a")),
    (e: unknown) => e instanceof KubeApiError && e.status === 403,
  );
  assert.equal((await applier.apply(task("a"))).action, "created");
});

Deno.test("canonicalJson() sorts keys at every level, keeps array order", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, 1], c: null } }),
    '{"a":{"c":null,"d":[2,1]},"b":1}',
  );
});

Deno.test("sameObject() ignores what every write changes", () => {
  const a = task("a");
  const b = structuredClone(a);
  Object.assign(b.metadata, {
    uid: "u",
    resourceVersion: "9",
    generation: 3,
    creationTimestamp: "2026-01-01T00:00:00Z",
    managedFields: [{ manager: "m" }],
  });
  assert.ok(sameObject(a, b));
  b.metadata.labels = { x: "y" };
  assert.ok(!sameObject(a, b));
});

Deno.test("SsaApplier lists again after a failed prefetch, so the error names the object", async () => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { namespace: "ns", retry: noSleep });
  client.listErrors = [
    new ApiStatusError(403, { message: "forbidden", reason: "Forbidden" }),
    new ApiStatusError(403, { message: "forbidden", reason: "Forbidden" }),
  ];
  const prefetch = applier.prefetch([{ apiVersion: "tekton.dev/v1beta1", kind: "Task" }])
    .then(() => "listed", () => "failed");
  await assert.rejects(
    applier.apply(task("a")),
    (e: unknown) => e instanceof ApplyError && e.message.startsWith("task.tekton.dev/a:"),
  );
  assert.equal(await prefetch, "failed");
  assert.equal(client.calls.filter((c) => c.startsWith("LIST")).length, 2);
  assert.equal((await applier.apply(task("a"))).action, "created");
});

Deno.test("SsaApplier.check() lists each kind and version once and fails on one not served", async () => {
  const client = new FakeObjectClient();
  const applier = new SsaApplier(client, { namespace: "dracon", retry: noSleep });
  const pipeline: KubeObject = {
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "p" },
    spec: {},
  };
  await applier.check([task("a"), task("b"), pipeline]);
  assert.deepEqual(client.calls.sort(), [
    "LIST tekton.dev/v1 Pipeline dracon",
    "LIST tekton.dev/v1beta1 Task dracon",
  ]);
  const fresh = new FakeObjectClient();
  const checked = new SsaApplier(fresh, { namespace: "dracon", retry: noSleep });
  // kube-apiserver's answer for a resource no CRD serves: 404 with no Status details.
  fresh.listErrors = [new ApiStatusError(404, "404 page not found")];
  await assert.rejects(
    checked.check([pipeline]),
    (e: unknown) => e instanceof KindNotServedError && /Pipeline kind/.test(e.message),
  );
  assert.ok(!fresh.calls.some((c) => c.startsWith("PATCH")), "nothing applied");
});
