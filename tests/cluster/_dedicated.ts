/**
 * Helpers for cluster tests that start their own environment (its own state
 * dir, `scripts/testenv up` … `down`) because they break it: kill its API
 * server, delete a CRD.
 *
 * @module
 */
import { adminHttpClient } from "./_kube.ts";

const TESTENV = new URL("../../scripts/testenv", import.meta.url).pathname;

/**
 * Lists Tasks and Pipelines with Deno's own fetch and the admin identity of
 * `kubeconfig`: the kill test polls every 20 ms, too often for a kubectl
 * process per call, and must ride out a fresh server's 429s.
 */
export async function nativeLister(kubeconfig: string) {
  const { server, client } = await adminHttpClient(kubeconfig);
  const names = async (namespace: string, plural: string) => {
    const url = `${server}/apis/tekton.dev/v1beta1/namespaces/${namespace}/${plural}`;
    let response = await fetch(url, { client });
    // A fresh API server answers 429 "storage is (re)initializing" for a while.
    for (let wait = 0; response.status === 429 && wait < 50; wait++) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200));
      response = await fetch(url, { client });
    }
    if (!response.ok) {
      throw new Error(`LIST ${plural}: HTTP ${response.status} ${await response.text()}`);
    }
    const list = await response.json() as { items: { metadata: { name: string } }[] };
    return list.items.map((i) => i.metadata.name).sort();
  };
  const createNamespace = async (name: string) => {
    const response = await fetch(`${server}/api/v1/namespaces`, {
      method: "POST",
      client,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ metadata: { name } }),
    });
    if (!response.ok) {
      throw new Error(`create namespace: HTTP ${response.status} ${await response.text()}`);
    }
    await response.body?.cancel();
  };
  return {
    live: async (namespace: string) => ({
      tasks: await names(namespace, "tasks"),
      pipelines: await names(namespace, "pipelines"),
    }),
    createNamespace,
    /** The names of the Tasks in `namespace`. */
    tasks: (namespace: string) => names(namespace, "tasks"),
    /** Deletes a CustomResourceDefinition (a dedicated environment's only). */
    deleteCrd: async (name: string) => {
      const url = `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
      const response = await fetch(url, { method: "DELETE", client });
      if (!response.ok) {
        throw new Error(`delete CRD ${name}: HTTP ${response.status} ${await response.text()}`);
      }
      await response.body?.cancel();
    },
    close: () => client.close(),
  };
}

/** Runs `scripts/testenv <args>` on the environment in `state`; resolves to its stdout. */
export async function testenv(state: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("bash", {
    args: [TESTENV, ...args],
    env: { DRACONCTL_TESTENV_STATE: state },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`scripts/testenv ${args.join(" ")} failed:\n${text}`);
  return new TextDecoder().decode(output.stdout);
}
