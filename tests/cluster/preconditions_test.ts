/**
 * Preconditions on the real test environment, with draconctl run as it
 * ships (tests/e2e/_product.ts): the Pipeline CRD missing (deleted in a
 * dedicated environment) is refused before the first Task is applied,
 * naming the kind, at either Pipeline API version.
 */
import assert from "node:assert/strict";
import { runProduct } from "../e2e/_product.ts";
import { nativeLister, testenv } from "./_dedicated.ts";
import { writePipeline } from "./_generate.ts";
import { uniqueNamespace } from "./_testenv.ts";

Deno.test({
  name: "a missing Pipeline CRD is found before any Task is applied",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // A dedicated environment: this test deletes a CRD the other tests need.
    const state = await Deno.makeTempDir({ prefix: "draconctl-crd-env-" });
    await Deno.remove(state);
    try {
      await testenv(state, "up");
      const kubeconfig = `${state}/kubeconfig`;
      const api = await nativeLister(kubeconfig);
      const namespace = uniqueNamespace("crd-missing");
      for (let attempt = 1;; attempt++) {
        try {
          await api.createNamespace(namespace); // a fresh server may answer 429 for a while
          break;
        } catch (error) {
          if (attempt === 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      await api.deleteCrd("pipelines.tekton.dev");
      for (let wait = 0;; wait++) {
        const gone = await api.live(namespace).then(() => false, () => true);
        if (gone) break;
        if (wait === 100) throw new Error("the Pipeline CRD is still served");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const root = await Deno.makeTempDir({ prefix: "draconctl-crd-" });
      const dir = await writePipeline(root, "crd", ["producer-gen-0", "producer-gen-1"]);
      for (const version of ["tekton.dev/v1", "tekton.dev/v1beta1"]) {
        await t.step(`--pipeline-api-version ${version}`, async () => {
          const result = await runProduct([
            ...["--kubeconfig", kubeconfig, "-n", namespace, "pipelines", "deploy", dir],
            ...["--load-restrictor", "none", "--pipeline-api-version", version],
          ]);
          assert.equal(result.code, 5, result.stderr);
          assert.match(
            result.stderr,
            new RegExp(
              `^error: .*The Pipeline kind \\(tekton\\.dev\\) is not installed on this cluster: ${
                version.replace(".", "\\.")
              } is not served\\nhint: install Tekton Pipelines`,
            ),
          );
          assert.equal(result.stdout, "", "nothing was applied, so no change set");
          assert.deepEqual(await api.tasks(namespace), [], "no Task was applied");
        });
      }
      api.close();
    } finally {
      await testenv(state, "down");
    }
  },
});
