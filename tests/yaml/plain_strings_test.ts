/**
 * Strings keep their type through draconctl's YAML (src/yaml/plain_strings.ts):
 * whatever `toYaml` and the chart templates write, YAML 1.1 and 1.2
 * readers and Go's number syntax read back the same string. The bug this
 * guards against: `"0o17"` written plain by a 1.1 writer, read as 15.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "yaml";
import { readsAsPlainString } from "../../src/yaml/plain_strings.ts";
import { parseStrictYamlDocuments, toYaml } from "../../src/yaml/yaml.ts";
import { runCli } from "../cli/_cli.ts";

/** Strings that some reader takes for a number, boolean or null when plain. */
const AMBIGUOUS = [
  "0o17",
  "0O17",
  "0x1F",
  "0b101",
  "017",
  "1_000",
  "0x_1f",
  "+12",
  "-3",
  "1e3",
  "1E-3",
  ".5",
  "-.5",
  "+.inf",
  ".NaN",
  "1.",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "~",
  "null",
  "",
  "true",
  "False",
  "190:20:30",
];
/** Strings every reader reads as strings: they stay plain. */
const PLAIN = [
  "500m",
  "v1",
  "1.2.3",
  "docker.io/busybox",
  "0x",
  "1e",
  "yess",
  "-a-b",
  "0o8",
  "12h",
];

function readBack(yaml: string): unknown[] {
  const [doc] = parseStrictYamlDocuments(yaml, "test.yaml");
  return [
    (parse(yaml, { version: "1.1" }) as { v: unknown }).v,
    (parse(yaml, { version: "1.2" }) as { v: unknown }).v,
    (doc!.value as { v: unknown }).v,
  ];
}

Deno.test("readsAsPlainString: what some reader reads as another type is not plain", () => {
  for (const s of AMBIGUOUS) assert.equal(readsAsPlainString(s), false, JSON.stringify(s));
  for (const s of PLAIN) assert.equal(readsAsPlainString(s), true, JSON.stringify(s));
});

Deno.test("toYaml: every string reads back as itself in YAML 1.1, 1.2 and draconctl's reader", async () => {
  for (const s of [...AMBIGUOUS, ...PLAIN]) {
    const yaml = await toYaml({ v: s });
    assert.deepEqual(readBack(yaml), [s, s, s], `${JSON.stringify(s)} → ${yaml.trim()}`);
  }
  for (const s of PLAIN) assert.equal(await toYaml({ v: s }), `v: ${s}\n`, "left plain");
});

Deno.test("toYaml: property: number-like strings keep their type", async () => {
  const digits = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."01234567"), minLength: 1, maxLength: 4 }),
    fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF_"), minLength: 1, maxLength: 5 }),
  );
  const numberLike = fc.tuple(
    fc.constantFrom("", "+", "-"),
    fc.constantFrom("", "0x", "0X", "0o", "0O", "0b", "0", ".", "0."),
    digits,
    fc.constantFrom("", "_1", "e3", "E-2", ".5", ":30", "."),
  ).map((parts) => parts.join(""));
  const noise = fc.string({
    unit: fc.constantFrom(..."0123456789_+-.eExXoObB:~ynNT"),
    maxLength: 8,
  });
  await fc.assert(
    fc.asyncProperty(fc.oneof(numberLike, noise), async (s) => {
      const yaml = await toYaml({ v: s });
      assert.deepEqual(readBack(yaml), [s, s, s], `${JSON.stringify(s)} → ${yaml.trim()}`);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("a string param default like 0o17 in a Task holding Helm expressions stays a string after rendering", async () => {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-plain-" });
  await Deno.writeTextFile(
    `${dir}/task.yaml`,
    [
      "apiVersion: tekton.dev/v1",
      "kind: Task",
      "metadata:",
      "  name: producer-octal",
      "  labels:",
      "    v1.dracon.ocurity.com/component: producer",
      "spec:",
      "  params:",
      "    - name: producer-octal-mode",
      "      type: string",
      '      default: "0o17"',
      "  steps:",
      "    - name: run",
      "      image: '{{ .Values.image.registry }}/octal:1'",
      "      script: echo $(params.producer-octal-mode)",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -octal\ncomponents:\n  - base\n  - ${dir}/task.yaml\n`,
  );
  const base = new URL("../../examples/components", import.meta.url).pathname;
  const result = await runCli(
    ["pipelines", "deploy", dir, "--base-dir", base, "--load-restrictor", "none"]
      .concat(["--dry-run", "-o", "json"]),
  );
  assert.equal(result.code, 0, result.stderr);
  const objects = JSON.parse(result.stdout) as {
    kind: string;
    metadata: { name: string };
    spec: { params?: { name: string; default?: unknown }[] };
  }[];
  const task = objects.find((o) => o.kind === "Task" && o.metadata.name === "producer-octal")!;
  assert.deepEqual(
    task.spec.params?.find((p) => p.name === "producer-octal-mode")?.default,
    "0o17",
  );
  const pipeline = objects.find((o) => o.kind === "Pipeline")!;
  const lifted = pipeline.spec.params?.filter((p) => p.default !== undefined) ?? [];
  for (const p of lifted) assert.notEqual(p.default, 15, p.name);
});
