/**
 * `FetchObjectClient.list()` of a kind every deploy reads starts the LIST
 * beside the discovery GET instead of after it, and discovery still decides.
 * Proved against a plain HTTP server on loopback that answers discovery only
 * once the LIST has arrived: a client that waited for discovery first would
 * never finish.
 */
import assert from "node:assert/strict";
import { StaticCredentials } from "../../src/k8s/credentials.ts";
import { KindNotServedError } from "../../src/k8s/api_errors.ts";
import { FetchObjectClient } from "../../src/k8s/fetch_client.ts";

interface Served {
  /** Paths requested, in arrival order. */
  requests: string[];
  client: FetchObjectClient;
  close(): Promise<void>;
}

/**
 * A fake API server: `resources` is what discovery of `tekton.dev/v1beta1`
 * lists (undefined: the group-version is not served); any collection path
 * answers one Task named after the path.
 */
function serve(resources: { name: string; kind: string }[] | undefined): Served {
  const requests: string[] = [];
  let listArrived!: () => void;
  const listed = new Promise<void>((resolve) => listArrived = resolve);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    if (path === "/apis/tekton.dev/v1beta1") {
      // Discovery answers only once a LIST came in; alone, it fails after 2 s.
      if (!await arrivesWithin(listed, 2_000)) {
        return new Response("discovery was asked alone", { status: 500 });
      }
      if (resources === undefined) return new Response("not found", { status: 404 });
      return Response.json({
        resources: resources.map((r) => ({ ...r, namespaced: true })),
      });
    }
    listArrived();
    if (!path.endsWith("/tasks") && !path.endsWith("/tektontasks")) {
      return Response.json({ kind: "Status", code: 404 }, { status: 404 });
    }
    return Response.json({ items: [{ metadata: { name: path.split("/").at(-1) } }] });
  });
  const client = new FetchObjectClient(
    {
      server: `http://127.0.0.1:${server.addr.port}`,
      caCerts: [],
      credentials: new StaticCredentials({}),
      headers: [],
    },
    { requestTimeoutMs: 5_000 },
  );
  return {
    requests,
    client,
    close: async () => {
      client.close();
      await server.shutdown();
    },
  };
}

/** Whether `promise` settles within `ms`; the timer never outlives the answer. */
async function arrivesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("FetchObjectClient lists a Tekton kind beside its discovery GET, not after it", async () => {
  const served = serve([{ name: "tasks", kind: "Task" }]);
  try {
    const items = await served.client.list("tekton.dev/v1beta1", "Task", "dracon");
    assert.deepEqual(items.map((i) => [i.kind, i.apiVersion, i.metadata.name]), [
      ["Task", "tekton.dev/v1beta1", "tasks"],
    ]);
    assert.deepEqual(served.requests.toSorted(), [
      "/apis/tekton.dev/v1beta1",
      "/apis/tekton.dev/v1beta1/namespaces/dracon/tasks",
    ]);
  } finally {
    await served.close();
  }
});

Deno.test("FetchObjectClient: discovery still decides over the early LIST", async (t) => {
  await t.step("a kind the server does not serve fails as KindNotServedError", async () => {
    const served = serve(undefined);
    try {
      await assert.rejects(
        served.client.list("tekton.dev/v1beta1", "Task", "dracon"),
        KindNotServedError,
      );
    } finally {
      await served.close();
    }
  });
  await t.step("another plural in discovery is listed again at that path", async () => {
    const served = serve([{ name: "tektontasks", kind: "Task" }]);
    try {
      const items = await served.client.list("tekton.dev/v1beta1", "Task", "dracon");
      assert.deepEqual(items.map((i) => i.metadata.name), ["tektontasks"]);
      assert.ok(served.requests.includes("/apis/tekton.dev/v1beta1/namespaces/dracon/tasks"));
      assert.equal(
        served.requests.at(-1),
        "/apis/tekton.dev/v1beta1/namespaces/dracon/tektontasks",
      );
    } finally {
      await served.close();
    }
  });
});
