/**
 * Generated kustomizations for the fault and concurrency tests: the corpus
 * base Task plus any number of small producer Tasks, written to a temp dir.
 *
 * @module
 */

import { DRACON_ROOT } from "../cli/_cli.ts";

/** A minimal producer Task named `name`. */
export function producerTask(name: string): string {
  return `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: ${name}
  labels: {v1.dracon.ocurity.com/component: producer}
spec:
  steps:
    - name: run
      image: docker.io/busybox:1.35.0
      script: echo ${name}
`;
}

/**
 * Writes `tasks/<name>.yaml` for every producer into `root` (once) and a
 * kustomization `<root>/<suffix>/kustomization.yaml` listing the corpus base
 * Task, the git source and those producers; returns the kustomization's directory.
 */
export async function writePipeline(
  root: string,
  suffix: string,
  producers: readonly string[],
): Promise<string> {
  await Deno.mkdir(`${root}/tasks`, { recursive: true });
  for (const name of producers) {
    await Deno.writeTextFile(`${root}/tasks/${name}.yaml`, producerTask(name));
  }
  const dir = `${root}/${suffix}`;
  await Deno.mkdir(dir, { recursive: true });
  const components = [
    `${DRACON_ROOT}/components/base`,
    `${DRACON_ROOT}/components/sources/git`,
    ...producers.map((name) => `${root}/tasks/${name}.yaml`),
  ];
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -${suffix}\ncomponents:\n${components.map((c) => `  - ${c}\n`).join("")}`,
  );
  return dir;
}
