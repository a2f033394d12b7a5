/**
 * With values (`--set`/`-f`), every Task holding Helm expressions renders
 * through real helm v3 and v4 in ONE `helm template`, and each comes out as
 * rendering it alone (one chart per Task) gives it.
 */
import assert from "node:assert/strict";
import { renderTask, renderTasks } from "../../src/charts/render.ts";
import { gatherTasks } from "../../src/charts/gather.ts";
import type { Helm } from "../../src/helm/helm.ts";
import { HelmCli } from "../../src/helm/helm_cli.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { helmExpressionsIn } from "../../src/tekton/task.ts";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { testEnvFromEnvironment } from "./_testenv.ts";

const fs = new DenoFileSystem();
const OPTIONS = {
  namespace: "dracon",
  set: ["image.registry=registry.internal/dracon"],
  appVersion: "1.2.3",
};

/** Real helm, counting its `template` calls. */
function countingHelm(major: 3 | 4): { helm: Helm; templates: () => number } {
  const real = new HelmCli({
    binary: `${testEnvFromEnvironment().bin}/helm${major}`,
    env: {
      HELM_CONFIG_HOME: "/tmp/draconctl-render-helm",
      HELM_CACHE_HOME: "/tmp/draconctl-render-helm",
    },
  });
  let templates = 0;
  const helm = Object.create(real) as Helm;
  helm.template = (chart, options) => {
    templates++;
    return real.template(chart, options);
  };
  return { helm, templates: () => templates };
}

Deno.test("with values, all corpus Tasks render through one helm template (v3 and v4), each as alone", async (t) => {
  const tasks = (await gatherTasks(`${DRACON_ROOT}/components`, fs)).tasks
    .map((g) => ({ origin: g.relative, task: g.task }))
    .filter((g) => helmExpressionsIn(g.task).length > 0);
  assert.ok(tasks.length >= 20, `${tasks.length} Tasks hold Helm expressions`);
  for (const major of [3, 4] as const) {
    await t.step(`helm v${major}`, async () => {
      const batch = countingHelm(major);
      const rendered = await renderTasks(tasks, { fs, helm: batch.helm }, OPTIONS);
      assert.equal(batch.templates(), 1, "one helm template for every Task");
      const alone = countingHelm(major);
      for (const [i, { origin, task }] of tasks.entries()) {
        assert.equal(helmExpressionsIn(rendered[i]!).length, 0, origin);
        assert.deepEqual(
          rendered[i],
          await renderTask(task, origin, { fs, helm: alone.helm }, OPTIONS),
          origin,
        );
      }
      assert.equal(alone.templates(), tasks.length, "alone: one call per Task");
      assert.ok(
        JSON.stringify(rendered).includes("registry.internal/dracon/"),
        "the value is used",
      );
    });
  }
});
