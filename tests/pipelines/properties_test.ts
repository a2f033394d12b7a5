/**
 * Property tests (fast-check): reference and kustomization parsing throw only
 * the project's own errors whatever the input, and assembly is deterministic
 * and independent of the order of components within a type. Unit: no net, no
 * subprocess.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { DraconError, ManifestSyntaxError } from "../../src/errors.ts";
import { assemblePipeline } from "../../src/pipelines/assembly.ts";
import { DEFAULT_BASE_PIPELINE } from "../../src/pipelines/base_pipeline.ts";
import type { ResolvedComponent } from "../../src/pipelines/component.ts";
import { parseComponentRef } from "../../src/pipelines/component_ref.ts";
import { COMPONENT_TYPES, type ComponentType } from "../../src/dracon/component_type.ts";
import { parseKustomization } from "../../src/pipelines/kustomization.ts";
import { toYamlStream } from "../../src/yaml/yaml.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";

/** Runs `fn`; anything it throws must be one of the project's error types. */
function onlyOwnErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return ownError(error);
  }
  return true;
}

async function onlyOwnRejections(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
  } catch (error) {
    return ownError(error);
  }
  return true;
}

function ownError(error: unknown): boolean {
  if (error instanceof DraconError || error instanceof ManifestSyntaxError) return true;
  throw new Error(`threw a foreign error: ${String(error)}`, { cause: error });
}

/** Strings that look like references: schemes, separators, odd characters. */
const refLike = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.tuple(
    fc.constantFrom(
      "helm://",
      "helm:",
      "pkg:helm/",
      "pkg:/helm/",
      "PKG:HELM/",
      "https://",
      "http://",
      "ftp://",
      "file://",
      "./",
      "../",
      "/",
      "",
    ),
    fc.array(
      fc.oneof(
        fc.string(),
        fc.constantFrom("/", "@", "?", "#", "#sha256=", ":", "..", "%", " ", "\0", "\uFFFD"),
      ),
      { maxLength: 6 },
    ),
  ).map(([prefix, parts]) => prefix + parts.join("")),
);

Deno.test("parseComponentRef() throws only ComponentRefError, whatever the input", () => {
  fc.assert(
    fc.property(
      refLike,
      fc.boolean(),
      (raw, allowInsecureHttp) =>
        onlyOwnErrors(() => parseComponentRef(raw, { baseDir: "/base", allowInsecureHttp })),
    ),
    { numRuns: 3000 },
  );
});

/** YAML-ish text: keys of a kustomization, indentation, flow syntax, anchors, tags. */
const yamlish = fc.array(
  fc.oneof(
    fc.constantFrom(
      "nameSuffix:",
      "namespace:",
      "components:",
      "resources:",
      "apiVersion:",
      "kind:",
      "- ",
      "  - ",
      "  ",
      "\n",
      "\t",
      "&a ",
      "*a",
      "!!binary ",
      "!!map ",
      "{",
      "}",
      "[",
      "]",
      ",",
      ": ",
      "---\n",
      "...\n",
      "%YAML 1.2\n",
      "'",
      '"',
      "#",
      "|\n",
      "<<: ",
      "null",
      "~",
      "-x",
      "42",
      "Kustomization",
    ),
    fc.string({ maxLength: 8 }),
  ),
  { maxLength: 40 },
).map((parts) => parts.join(""));

Deno.test("parseKustomization() throws only KustomizationError or ManifestSyntaxError", async (t) => {
  await t.step("arbitrary strings", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary" }),
        (text) => onlyOwnRejections(() => parseKustomization(text, "k.yaml")),
      ),
      { numRuns: 1000 },
    );
  });
  await t.step("YAML-ish text", async () => {
    await fc.assert(
      fc.asyncProperty(
        yamlish,
        (text) => onlyOwnRejections(() => parseKustomization(text, "k.yaml")),
      ),
      { numRuns: 3000 },
    );
  });
  await t.step("arbitrary JSON objects, stringified (JSON is YAML)", async () => {
    const kustomizationish = fc.record({
      nameSuffix: fc.oneof(fc.string(), fc.jsonValue()),
      components: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      resources: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      namespace: fc.oneof(fc.string(), fc.jsonValue()),
      kind: fc.jsonValue(),
    }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.object(), kustomizationish),
        (value) => onlyOwnRejections(() => parseKustomization(JSON.stringify(value), "k.yaml")),
      ),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- assembly

function component(type: ComponentType, name: string, params: string[]): ResolvedComponent {
  const task: Task = processTask({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, labels: { "v1.dracon.ocurity.com/component": type } },
    spec: {
      params: params.map((p) => ({ name: `${name}-${p}`, type: "string", default: p })),
      workspaces: [{ name: "output" }],
      steps: [{ name: "run", image: "busybox" }],
    },
  });
  return { ref: { kind: "file", raw: name, path: `/c/${name}` }, name, type, task, origin: name };
}

/** A valid component set: one base, then up to 12 components of other types, unique names. */
const componentSet = fc.uniqueArray(
  fc.record({
    type: fc.constantFrom(...COMPONENT_TYPES.filter((t) => t !== "base")),
    name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
    params: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 3 }),
  }),
  { maxLength: 12, selector: (c) => c.name },
).map((specs) => [
  component("base", "base", []),
  ...specs.filter((s) => s.name !== "base").map((s) =>
    component(s.type, `${s.type}-${s.name}`, s.params)
  ),
]);

/** `components` shuffled by `keys`, but only within each type (types keep their relative order). */
function shuffleWithinTypes(
  components: ResolvedComponent[],
  keys: number[],
): ResolvedComponent[] {
  const keyed = components.map((c, i) => ({ c, key: keys[i % keys.length] ?? 0, i }));
  const byType = new Map<string, typeof keyed>();
  for (const k of keyed) byType.set(k.c.type, [...(byType.get(k.c.type) ?? []), k]);
  for (const group of byType.values()) group.sort((a, b) => a.key - b.key || a.i - b.i);
  // Put each type's shuffled members back into the slots that type occupied.
  const next = new Map([...byType].map(([type, group]) => [type, group.map((k) => k.c)]));
  return components.map((c) => next.get(c.type)!.shift()!);
}

function render(components: ResolvedComponent[]): Promise<string> {
  return toYamlStream([assemblePipeline(DEFAULT_BASE_PIPELINE, components, { nameSuffix: "-p" })]);
}

Deno.test("assemblePipeline() is deterministic: same input, byte-identical YAML", async () => {
  await fc.assert(
    fc.asyncProperty(componentSet, async (components) => {
      const copy = structuredClone(components);
      assert.equal(await render(components), await render(components));
      assert.equal(await render(copy), await render(components), "a deep copy renders the same");
      assert.deepEqual(components, copy, "the input is not changed");
    }),
    { numRuns: 300 },
  );
});

Deno.test("assemblePipeline() output does not depend on the order of components within a type", async () => {
  await fc.assert(
    fc.asyncProperty(
      componentSet,
      fc.array(fc.integer(), { minLength: 1, maxLength: 16 }),
      async (components, keys) => {
        assert.equal(await render(shuffleWithinTypes(components, keys)), await render(components));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("assemblePipeline() output does not depend on the order of types in the list either", async () => {
  await fc.assert(
    fc.asyncProperty(
      componentSet,
      fc.array(fc.integer(), { minLength: 1 }),
      async (components, keys) => {
        const shuffled = components
          .map((c, i) => ({ c, key: keys[i % keys.length]! }))
          .sort((a, b) => a.key - b.key)
          .map((k) => k.c);
        assert.equal(await render(shuffled), await render(components));
      },
    ),
    { numRuns: 300 },
  );
});
