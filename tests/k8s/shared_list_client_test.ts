import assert from "node:assert/strict";
import { SharedListClient } from "../../src/k8s/shared_list_client.ts";
import type { ObjectClient } from "../../src/k8s/object_client.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";

function task(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, namespace: "ns", labels },
  };
}

/** An ObjectClient that records LISTs; `failNext` makes the next LIST fail. */
class RecordingClient implements ObjectClient {
  readonly server = "https://example.test";
  readonly lists: string[] = [];
  failNext = false;
  constructor(private readonly items: KubeObject[]) {}
  get(_a: string, _k: string, _ns: string, name: string): Promise<KubeObject | undefined> {
    return Promise.reject(new Error(`GET ${name}: not used by these tests`));
  }
  delete(_a: string, _k: string, _ns: string, name: string): Promise<boolean> {
    return Promise.reject(new Error(`DELETE ${name}: not used by these tests`));
  }
  apply(object: KubeObject): Promise<KubeObject> {
    return Promise.resolve(object);
  }
  create(): Promise<KubeObject> {
    return Promise.reject(new Error("not used"));
  }
  list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options: { labelSelector?: string } = {},
  ) {
    this.lists.push(`${apiVersion} ${kind} ${namespace} ${options.labelSelector ?? ""}`.trim());
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error("connection reset"));
    }
    return Promise.resolve(this.items);
  }
}

const ITEMS = [
  task("base", { "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "ci" }),
  task("git-clone", {
    "app.kubernetes.io/managed-by": "Helm",
    "app.kubernetes.io/instance": "other",
  }),
  task("mine"),
];

Deno.test("SharedListClient serves the Helm lookup and the applier from one LIST", async (t) => {
  await t.step("equality selectors are filtered from the one unselected LIST", async () => {
    const inner = new RecordingClient(ITEMS);
    const shared = new SharedListClient(inner);
    const [all, helm, ci] = await Promise.all([
      shared.list("tekton.dev/v1beta1", "Task", "ns"),
      shared.list("tekton.dev/v1beta1", "Task", "ns", {
        labelSelector: "app.kubernetes.io/managed-by=Helm",
      }),
      shared.list("tekton.dev/v1beta1", "Task", "ns", {
        labelSelector: "app.kubernetes.io/managed-by=Helm,app.kubernetes.io/instance==ci",
      }),
    ]);
    assert.deepEqual(all.map((o) => o.metadata.name), ["base", "git-clone", "mine"]);
    assert.deepEqual(helm.map((o) => o.metadata.name), ["base", "git-clone"]);
    assert.deepEqual(ci.map((o) => o.metadata.name), ["base"]);
    assert.deepEqual(inner.lists, ["tekton.dev/v1beta1 Task ns"]);
  });

  await t.step(
    "other kinds, namespaces and set-based selectors are their own requests",
    async () => {
      const inner = new RecordingClient(ITEMS);
      const shared = new SharedListClient(inner);
      await shared.list("tekton.dev/v1beta1", "Task", "ns");
      await shared.list("tekton.dev/v1beta1", "Pipeline", "ns");
      await shared.list("tekton.dev/v1beta1", "Task", "other");
      await shared.list("tekton.dev/v1beta1", "Task", "ns", { labelSelector: "tier in (a,b)" });
      assert.deepEqual(inner.lists, [
        "tekton.dev/v1beta1 Task ns",
        "tekton.dev/v1beta1 Pipeline ns",
        "tekton.dev/v1beta1 Task other",
        "tekton.dev/v1beta1 Task ns tier in (a,b)",
      ]);
    },
  );

  await t.step("a failed LIST is not kept", async () => {
    const inner = new RecordingClient(ITEMS);
    inner.failNext = true;
    const shared = new SharedListClient(inner);
    await assert.rejects(shared.list("tekton.dev/v1beta1", "Task", "ns"), /connection reset/);
    assert.equal((await shared.list("tekton.dev/v1beta1", "Task", "ns")).length, 3);
    assert.equal(inner.lists.length, 2);
  });
});
