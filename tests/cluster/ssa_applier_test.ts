/**
 * SsaApplier against the real kube-apiserver of the test environment: actions,
 * request counts, dry run, conflicts, RBAC, validation and missing namespaces.
 */
import assert from "node:assert/strict";
import { ApplyError, KindNotServedError } from "../../src/k8s/api_errors.ts";
import type { FetchObjectClient } from "../../src/k8s/fetch_client.ts";
import { SsaApplier } from "../../src/k8s/ssa_applier.ts";
import type { Task } from "../../src/tekton/types.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { type Kubectl, productClient } from "./_kube.ts";
import { clusterTest, type ClusterTestFn } from "./_testenv.ts";

/** One request the client sent: method and URL path with query. */
interface Request {
  method: string;
  path: string;
}

/** Clients opened by {@linkcode countingApplier}, closed after each test. */
const opened: FetchObjectClient[] = [];

/** Closes every client {@linkcode countingApplier} opened. */
function closeClients(): void {
  for (const client of opened.splice(0)) client.close();
}

/** An applier over draconctl's client for `context`, recording every request. */
async function countingApplier(
  env: { kubeconfigPath: string },
  namespace: string,
  options: { fieldManager?: string; context?: string } = {},
): Promise<{ applier: SsaApplier; client: FetchObjectClient; requests: Request[] }> {
  const requests: Request[] = [];
  const client = await productClient(env.kubeconfigPath, options.context, {
    onRequest: (method, url) => {
      const u = new URL(url);
      requests.push({ method, path: u.pathname + u.search });
    },
  });
  opened.push(client);
  const fieldManager = options.fieldManager ?? "draconctl";
  return { applier: new SsaApplier(client, { fieldManager, namespace }), client, requests };
}

function task(name: string, description = "first", image = "alpine:3.20"): Task {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, labels: { "v1.dracon.ocurity.com/component": "producer" } },
    spec: { description, steps: [{ name: "run", image, script: "echo hi" }] },
  };
}

/** The live object, read with kubectl (not through the applier or its client). */
async function readLive(kubectl: Kubectl, namespace: string, name: string) {
  return await kubectl.get("tasks.v1beta1.tekton.dev", name, namespace);
}

/** A {@linkcode clusterTest} that closes the clients it opened. */
function ssaTest(name: string, fn: ClusterTestFn): void {
  clusterTest(name, async (env, t) => {
    try {
      await fn(env, t);
    } finally {
      closeClients();
    }
  });
}

function count(requests: Request[], method: string, pattern = ""): number {
  return requests.filter((r) => r.method === method && r.path.includes(pattern)).length;
}

ssaTest(
  "SsaApplier.apply() creates, leaves unchanged, configures",
  async (env, t) => {
    const { kubectl, namespace } = env;
    const { applier, requests } = await countingApplier(env, namespace);
    let resourceVersion: unknown;
    await t.step("created", async () => {
      const entry = await applier.apply(task("git-clone"));
      assert.deepEqual(entry, {
        subject: `task.tekton.dev/git-clone`,
        kind: "Task",
        namespace,
        name: "git-clone",
        action: "created",
      });
      const live = await readLive(kubectl, namespace, "git-clone");
      assert.equal((live as Task).spec.description, "first");
      resourceVersion = live?.metadata.resourceVersion;
      const manager = (live?.metadata.managedFields as { manager: string; operation: string }[])[0];
      assert.equal(manager?.manager, "draconctl");
      assert.equal(manager?.operation, "Apply");
    });
    await t.step(
      "unchanged: no request (proven from managedFields), the resourceVersion stays",
      async () => {
        const before = requests.length;
        assert.equal((await applier.apply(task("git-clone"))).action, "unchanged");
        const sent = requests.slice(before);
        assert.deepEqual(sent, [], JSON.stringify(sent));
        assert.equal(
          (await readLive(kubectl, namespace, "git-clone"))?.metadata.resourceVersion,
          resourceVersion,
        );
      },
    );
    await t.step("configured when the content changes", async () => {
      assert.equal((await applier.apply(task("git-clone", "second"))).action, "configured");
      const live = await readLive(kubectl, namespace, "git-clone");
      assert.equal((live as Task).spec.description, "second");
      assert.notEqual(live?.metadata.resourceVersion, resourceVersion);
    });
    await t.step("the patches are server-side applies with the field manager", () => {
      for (const r of requests.filter((r) => r.method === "PATCH")) {
        assert.ok(r.path.includes("fieldManager=draconctl"), r.path);
        assert.ok(r.path.includes("force=false"), r.path);
      }
    });
  },
);

ssaTest(
  "SsaApplier redeploy of N unchanged objects costs 1 LIST and no PATCH",
  async (env) => {
    const { namespace } = env;
    const names = Array.from({ length: 12 }, (_, i) => `task-${i}`);
    const first = await countingApplier(env, namespace);
    await Promise.all(names.map((n) => first.applier.apply(task(n))));
    // A new process: a fresh applier and client, as a second `deploy` would have.
    const { applier, requests } = await countingApplier(env, namespace);
    const entries = await Promise.all(names.map((n) => applier.apply(task(n))));
    assert.deepEqual(new Set(entries.map((e) => e.action)), new Set(["unchanged"]));
    const lists = requests.filter((r) => r.method === "GET" && r.path.includes("/tasks"));
    assert.equal(lists.length, 1, JSON.stringify(requests));
    assert.ok(lists[0]!.path.endsWith(`/namespaces/${namespace}/tasks?limit=500`), lists[0]!.path);
    assert.equal(count(requests, "PATCH"), 0, "no PATCH, not even a dry run");
    // Plus one discovery GET of /apis/tekton.dev/v1beta1, cached per client.
    assert.deepEqual(
      requests.filter((r) => r.method === "GET" && !r.path.includes("/tasks")).map((r) => r.path),
      ["/apis/tekton.dev/v1beta1"],
    );
    console.log(`requests for ${names.length} unchanged Tasks: ${requests.length}`);
  },
);

ssaTest("SsaApplier.apply() with dryRun writes nothing", async (env, t) => {
  const { kubectl, namespace } = env;
  const { applier, requests } = await countingApplier(env, namespace);
  await t.step("a new object is reported created but not created", async () => {
    assert.equal((await applier.apply(task("new"), { dryRun: true })).action, "created");
    assert.equal(await readLive(kubectl, namespace, "new"), undefined);
  });
  await t.step("a changed object is reported configured but not changed", async () => {
    await applier.apply(task("old"));
    const before = requests.length;
    assert.equal(
      (await applier.apply(task("old", "changed"), { dryRun: true })).action,
      "configured",
    );
    assert.equal(((await readLive(kubectl, namespace, "old")) as Task).spec.description, "first");
    const sent = requests.slice(before);
    assert.ok(sent.every((r) => r.method !== "PATCH" || r.path.includes("dryRun=All")));
  });
});

ssaTest(
  "SsaApplier.apply() reports a field manager conflict, then force takes over",
  async (env, t) => {
    const { kubectl, namespace } = env;
    const other = (await countingApplier(env, namespace, { fieldManager: "other-tool" })).applier;
    await other.apply(task("shared", "set by other-tool"));
    const { applier } = await countingApplier(env, namespace);
    await t.step("409 ApplyError naming the manager", async () => {
      const error = await applier.apply(task("shared", "set by draconctl")).then(
        () => assert.fail("expected a conflict"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApplyError, String(error));
      assert.equal(error.status, 409);
      assert.equal(error.reason, "Conflict");
      assert.equal(error.subject, `task.tekton.dev/shared`);
      assert.ok(error.message.includes('owned by "other-tool"'), error.message);
      assert.ok(error.message.includes(".spec.description"), error.message);
      assert.ok(error.hint?.includes("--force-conflicts"));
      assert.ok(error.causes.some((c) => c.reason === "FieldManagerConflict"));
      assert.equal(
        ((await readLive(kubectl, namespace, "shared")) as Task).spec.description,
        "set by other-tool",
      );
    });
    await t.step("force succeeds and draconctl owns the field", async () => {
      const entry = await applier.apply(task("shared", "set by draconctl"), { force: true });
      assert.equal(entry.action, "configured");
      const live = await readLive(kubectl, namespace, "shared");
      assert.equal((live as Task).spec.description, "set by draconctl");
      const managers = (live?.metadata.managedFields as { manager: string }[]).map((m) =>
        m.manager
      );
      assert.ok(managers.includes("draconctl"), managers.join());
    });
  },
);

ssaTest("SsaApplier.apply() as a read-only identity fails with 403", async (env) => {
  const { applier } = await countingApplier(env, env.namespace, { context: "restricted" });
  const error = await applier.apply(task("denied")).then(
    () => assert.fail("expected 403"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplyError, String(error));
  assert.equal(error.status, 403);
  assert.ok(
    error.message.includes(
      `user "restricted" cannot patch resource "tasks" in API group "tekton.dev" in namespace "${env.namespace}"`,
    ),
    error.message,
  );
  assert.ok(error.hint?.includes("RBAC"));
  assert.ok(!error.message.includes("Bearer") && !/token/i.test(error.message), error.message);
  assert.equal(await readLive(env.kubectl, env.namespace, "denied"), undefined);
});

ssaTest(
  "SsaApplier.apply() of an invalid Task fails with the server's causes",
  async (env, t) => {
    const { namespace } = env;
    const { applier, requests } = await countingApplier(env, namespace);
    await t.step("422 for a step without a name", async () => {
      const invalid = task("invalid");
      invalid.spec.steps = [{ image: "alpine" }];
      const error = await applier.apply(invalid).then(
        () => assert.fail("expected 422"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApplyError, String(error));
      assert.equal(error.status, 422);
      assert.equal(error.reason, "Invalid");
      assert.equal(
        error.message,
        `task.tekton.dev/invalid: invalid: spec.steps[0].name: Required value`,
      );
      assert.deepEqual(error.causes.map((c) => c.field), ["spec.steps[0].name"]);
    });
    await t.step("500 typed patch failure for a wrong type, not retried", async () => {
      const invalid = task("wrong-type");
      invalid.spec.description = 5 as unknown as string;
      const before = requests.length;
      const error = await applier.apply(invalid).then(
        () => assert.fail("expected an error"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApplyError, String(error));
      assert.equal(error.status, 500);
      assert.ok(
        error.message.endsWith("invalid: .spec.description: expected string, got 5"),
        error.message,
      );
      assert.equal(count(requests.slice(before), "PATCH"), 1, "one try only");
    });
  },
);

ssaTest("SsaApplier.apply() into a namespace that does not exist says so", async (env) => {
  const { applier } = await countingApplier(env, "no-such-namespace");
  const error = await applier.apply(task("orphan")).then(
    () => assert.fail("expected 404"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplyError, String(error));
  assert.equal(error.status, 404);
  assert.ok(error.message.endsWith('namespace "no-such-namespace" does not exist'), error.message);
  assert.ok(error.hint?.includes("kubectl create namespace no-such-namespace"));
});

ssaTest(
  "SsaApplier.apply() of a kind the cluster does not serve",
  async (env) => {
    const { namespace } = env;
    const { applier } = await countingApplier(env, namespace);
    const error = await applier.apply(
      { ...task("alpha"), apiVersion: "tekton.dev/v1alpha1" } as KubeObject,
    )
      .then(() => assert.fail("expected an error"), (e: unknown) => e);
    assert.ok(error instanceof KindNotServedError, String(error));
    assert.ok(
      error.message.includes("The Task kind (tekton.dev) is not installed on this cluster"),
    );
    assert.ok(error.hint?.includes("install Tekton Pipelines"));
  },
);

ssaTest("SsaApplier applies a Pipeline at tekton.dev/v1 too", async (env) => {
  const { namespace } = env;
  const { applier } = await countingApplier(env, namespace);
  const pipeline: KubeObject = {
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "p" },
    spec: { tasks: [{ name: "clone", taskRef: { name: "git-clone" } }] },
  };
  assert.equal((await applier.apply(pipeline)).action, "created");
  assert.equal((await applier.apply(pipeline)).action, "unchanged");
});
