import { parseYamlDocuments } from "./src/tekton/manifest.ts";
import { processTask, tektonTaskProblems, toTask, validateTask } from "./src/tekton/task.ts";
import { walk } from "node:fs/promises";
const root = "../shared/dracon";
let n = 0;
async function* files(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* files(p); else if (e.name === "task.yaml") yield p;
  }
}
for await (const f of files(root)) {
  const docs = await parseYamlDocuments(await Deno.readTextFile(f), f);
  for (const d of docs) {
    const t = toTask(d.value, f);
    n++;
    const dr = validateTask(t, f);
    const p = tektonTaskProblems(dr.length ? t : processTask(t), f);
    if (dr.length || p.length) console.log(dr, p);
  }
}
console.log(n, "tasks");
