/**
 * `openFleet` (src/tekton/kube_cluster.ts) without a cluster: every context
 * is resolved before any connection, the run permissions are narrowed once
 * to the credential plugins of the selected contexts together (a second
 * narrowing would revoke the first context's plugin for good), and each
 * member connects with its own namespace.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { openFleet } from "../../src/tekton/kube_cluster.ts";
import { ClusterError } from "../../src/errors.ts";
import { FakeClock } from "../_fakes/fake_clock.ts";
import { FakeCommandRunner, FakeRunPermissions } from "../_fakes/fake_runner.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const FILE = "/k/config";
const exec = (command: string) => ({
  exec: { command, apiVersion: "client.authentication.k8s.io/v1beta1" },
});

/** Three contexts (servers on closed local ports: a request is refused at once): "eks" (plugin aws), "gke" (gke-gcloud-auth-plugin), "plain" (a token). */
const KUBECONFIG = stringify({
  apiVersion: "v1",
  kind: "Config",
  clusters: ["one", "two", "three"].map((name, i) => ({
    name,
    cluster: { server: `https://127.0.0.1:${i + 1}`, "certificate-authority-data": btoa(CA) },
  })),
  users: [
    { name: "eks", user: exec("aws") },
    { name: "gke", user: exec("gke-gcloud-auth-plugin") },
    { name: "plain", user: { token: "s3cret" } },
  ],
  contexts: [
    { name: "eks", context: { cluster: "one", user: "eks", namespace: "scans" } },
    { name: "gke", context: { cluster: "two", user: "gke" } },
    { name: "plain", context: { cluster: "three", user: "plain" } },
  ],
  "current-context": "plain",
});

function env(requests: string[] = []) {
  const permissions = new FakeRunPermissions([]);
  return {
    permissions,
    env: {
      fs: new MemoryFileSystem({ [FILE]: KUBECONFIG }),
      env: () => undefined,
      logger: new MemoryLogger(),
      clock: new FakeClock(),
      runner: new FakeCommandRunner(() => {
        throw new Error("no plugin runs before a request");
      }),
      permissions,
      cwd: "/work",
      onRequest: (method: string, url: string) => requests.push(`${method} ${url}`),
    },
  };
}

const OPTIONS = { kubeconfig: FILE, fieldManager: "draconctl", requestTimeoutMs: 1000 };

Deno.test("the plugins of every selected context are kept, in one narrowing, before any request", async () => {
  const requests: string[] = [];
  const { permissions, env: e } = env(requests);
  const members = await openFleet(OPTIONS, ["eks", "gke"], e);
  assert.deepEqual(members.map((m) => m.context), ["eks", "gke"]);
  assert.deepEqual(permissions.kept, [["aws", "gke-gcloud-auth-plugin"]]);
  assert.deepEqual(requests, [], "resolving connects nowhere");
  const eks = await members[0]!.connect(OPTIONS);
  const gke = await members[1]!.connect({ ...OPTIONS, namespace: "dracon" });
  assert.equal(eks.server, "https://127.0.0.1:1");
  assert.equal(eks.namespace, "scans", "the context's namespace");
  assert.equal(gke.server, "https://127.0.0.1:2");
  assert.equal(gke.namespace, "dracon", "the deploy's namespace over the context's");
  assert.deepEqual(permissions.kept.length, 1, "connecting narrows nothing again");
});

Deno.test("--all-contexts: every context of the kubeconfig, in its order", async () => {
  const { permissions, env: e } = env();
  const members = await openFleet(OPTIONS, "all", e);
  assert.deepEqual(members.map((m) => m.context), ["eks", "gke", "plain"]);
  assert.deepEqual(permissions.kept, [["aws", "gke-gcloud-auth-plugin"]]);
});

Deno.test("an unknown context fails the fleet before anything is narrowed or connected", async () => {
  const { permissions, env: e } = env();
  await assert.rejects(
    openFleet(OPTIONS, ["eks", "nope"], e),
    (error: unknown) =>
      error instanceof ClusterError &&
      /^Context "nope" not found in kubeconfig/.test(error.message),
  );
  assert.deepEqual(permissions.kept, []);
});
