/**
 * The 19 example pipelines of the Dracon corpus (`../shared/dracon/examples/pipelines`)
 * with local components instead of `pkg:helm/dracon-oss-components/<task>`: each
 * reference points at the corpus directory of that Task, so every Task is
 * applied by draconctl (rendered from its Helm expressions with the chart's
 * defaults) and many are shared between pipelines. Deploy them with
 * `--base-dir <corpus root>`. `reachability-project`'s malformed
 * `pkg:helm/…/enrichers/reachability` becomes the directory it names.
 *
 * Used by bench/bench.ts (`multi` scenario) and tests/cluster/multi_deploy_test.ts.
 *
 * @module
 */
import { parse, stringify } from "yaml";

/** The corpus root (`../shared/dracon`), which the written kustomizations resolve against. */
export const DRACON_ROOT = new URL("../../shared/dracon", import.meta.url).pathname;

const HELM_PREFIX = /^(?:pkg:helm|helm:\/)\/dracon-oss-components\//;

/** Each corpus Task's directory under `components/`, by Task name. */
async function taskDirs(): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(`${DRACON_ROOT}/${dir}`)) {
      if (entry.isDirectory) await walk(`${dir}/${entry.name}`);
      else if (entry.name === "task.yaml") {
        const task = parse(await Deno.readTextFile(`${DRACON_ROOT}/${dir}/task.yaml`)) as {
          metadata: { name: string };
        };
        dirs.set(task.metadata.name, dir);
      }
    }
  };
  await walk("components");
  return dirs;
}

/**
 * Writes the 19 examples with local components under `out` (one directory
 * each, named as in the corpus); returns the directories, sorted.
 */
export async function writeLocalCorpusPipelines(out: string): Promise<string[]> {
  const dirs = await taskDirs();
  const examples = `${DRACON_ROOT}/examples/pipelines`;
  const written: string[] = [];
  for await (const entry of Deno.readDir(examples)) {
    if (!entry.isDirectory) continue;
    const kustomization = parse(
      await Deno.readTextFile(`${examples}/${entry.name}/kustomization.yaml`),
    ) as { components: string[] } & Record<string, unknown>;
    const components = kustomization.components.map((ref) => {
      if (!HELM_PREFIX.test(ref)) return ref;
      const name = ref.replace(HELM_PREFIX, "");
      const dir = name.includes("/") ? `components/${name}` : dirs.get(name);
      if (dir === undefined) throw new Error(`${entry.name}: no corpus Task "${name}"`);
      return dir;
    });
    await Deno.mkdir(`${out}/${entry.name}`, { recursive: true });
    await Deno.writeTextFile(
      `${out}/${entry.name}/kustomization.yaml`,
      stringify({ ...kustomization, components }),
    );
    written.push(`${out}/${entry.name}`);
  }
  return written.sort();
}
