/**
 * The layers of ARCHITECTURE.md, enforced: no module of `src/` (or
 * `main.ts`) imports one of a higher layer, and no import cycle exists,
 * counting static, type-only and dynamic imports. Comments (where JSDoc
 * examples may name any module) are not imports.
 */
import assert from "node:assert/strict";

/** The layers, bottom first; a module may import its own layer and those below. */
export const LAYERS: readonly (readonly string[])[] = [
  ["src/errors.ts", "src/version.ts", "src/build_info.ts", "src/permissions.ts", "src/base/"],
  ["src/yaml/", "src/io/"],
  ["src/fetch/", "src/helm/", "src/k8s/"],
  ["src/tekton/"],
  ["src/dracon/"],
  ["src/deps.ts"],
  ["src/charts/"],
  ["src/pipelines/"],
  ["src/cli/"],
  ["main.ts"],
];

const ROOT = new URL("../", import.meta.url).pathname;

/** The layer index of a repository path, or `undefined` when no layer holds it. */
function layerOf(path: string, layers: readonly (readonly string[])[]): number | undefined {
  const i = layers.findIndex((layer) =>
    layer.some((entry) => entry.endsWith("/") ? path.startsWith(entry) : path === entry)
  );
  return i === -1 ? undefined : i;
}

/** `text` without comments (block and line), keeping strings. */
function withoutComments(text: string): string {
  return text.replace(
    /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (_match, string) => string ?? "",
  );
}

/** Relative module specifiers a module imports (static, `export … from`, dynamic). */
export function importsOf(text: string): string[] {
  const code = withoutComments(text);
  // Statements (`import … from`, `export … from`, `import "…"`) start a line; a dynamic import is a call.
  const patterns = [
    /^[ \t]*(?:import|export)\b[^;"'`]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/gm,
    /^[ \t]*import\s*["'](\.{1,2}\/[^"']+)["']/gm,
    /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
  ];
  const found: { at: number; spec: string }[] = [];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) found.push({ at: m.index!, spec: m[1]! });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec);
}

/** Every import edge that runs against the layer order. */
export function layerViolations(
  graph: ReadonlyMap<string, readonly string[]>,
  layers: readonly (readonly string[])[],
): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from, layers);
    if (a === undefined) {
      problems.push(`${from} is in no layer of ARCHITECTURE.md`);
      continue;
    }
    for (const to of targets) {
      const b = layerOf(to, layers);
      if (b !== undefined && b > a) problems.push(`${from} imports ${to}, a higher layer`);
    }
  }
  return problems;
}

/** Every import cycle, each as the list of modules along it. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

async function sourceGraph(): Promise<Map<string, string[]>> {
  const files: string[] = ["main.ts"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  await walk("src");
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    graph.set(
      file,
      importsOf(text)
        .map((spec) => new URL(spec, `file:///r/${file}`).pathname.slice(3))
        .filter((path) => path.endsWith(".ts")),
    );
  }
  return graph;
}

Deno.test("the checker finds an upward import, a cycle, and imports in code only", () => {
  const layers = [["src/a/"], ["src/b/"]];
  const graph = new Map([
    ["src/a/x.ts", ["src/b/y.ts"]],
    ["src/b/y.ts", ["src/a/x.ts"]],
  ]);
  assert.deepEqual(layerViolations(graph, layers), [
    "src/a/x.ts imports src/b/y.ts, a higher layer",
  ]);
  assert.deepEqual(cyclesOf(graph), [["src/a/x.ts", "src/b/y.ts", "src/a/x.ts"]]);
  assert.deepEqual(
    importsOf(
      'import a from "./a.ts";\n// import b from "./b.ts";\n/** import { c } from "./c.ts"; */\n' +
        'const d = await import("./d.ts");\nexport { e } from "../e.ts";\nimport type { f } from "./f.ts";\n' +
        "const s = \"import g from './g.ts'\";\n",
    ),
    ["./a.ts", "./d.ts", "../e.ts", "./f.ts"],
  );
});

Deno.test("src/ follows the layers of ARCHITECTURE.md and has no import cycle", async () => {
  const graph = await sourceGraph();
  assert.ok(graph.size > 50, `${graph.size} modules`);
  assert.deepEqual(layerViolations(graph, LAYERS), []);
  assert.deepEqual(cyclesOf(graph).map((cycle) => cycle.join(" -> ")), []);
});

Deno.test("ARCHITECTURE.md lists exactly the layers this test enforces", async () => {
  const text = await Deno.readTextFile(`${ROOT}ARCHITECTURE.md`);
  const table = [...text.matchAll(/^\| (\d+) +\| ([^|]+)\|/gm)].map((m) =>
    [...m[2]!.matchAll(/`([^`]+)`/g)].map((n) => n[1]!)
  );
  assert.deepEqual(table, LAYERS.map((layer) => [...layer]));
});
