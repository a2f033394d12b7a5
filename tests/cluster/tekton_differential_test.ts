/**
 * `pipelines check` against Tekton itself (issue 16): every case of the
 * mutated-pipeline corpus (tests/cluster/_tekton_cases.ts: the corpus
 * example pipelines rendered as draconctl renders them, synthetic seeds, and
 * their mutations) gets a verdict from draconctl's checks, in process (the
 * Tekton rules on every Task and `checkRun` on the Pipeline, its Tasks and
 * the run's params, no cluster), and from `tekton-check`
 * (scripts/tekton-check/main.go: Tekton v1.15.0's own webhook validation and
 * reconciler checks, built by `scripts/testenv build`). Both must say the
 * same (ok or error) for every case, except the documented expected
 * differences (docs/validation.md#differential-test-against-tekton). Every
 * disagreement is printed as a table.
 *
 * DRACONCTL_TEKTON_DIFF_REPORT=<file> writes every case's two verdicts there.
 *
 * Needs the built tekton-check (`DRACONCTL_TESTENV_TEKTON_BIN`, exported by
 * `scripts/testenv env`): missing or built from another source, the test
 * fails under CI=true and is ignored, saying why, otherwise.
 */
import assert from "node:assert/strict";
import { gatherTasks } from "../../src/charts/gather.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { checkRun } from "../../src/pipelines/run_check.ts";
import { tektonTaskProblems } from "../../src/tekton/task.ts";
import type { ParamValue, Pipeline, Task } from "../../src/tekton/types.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import {
  type Case,
  generateCases,
  type PipelineObject,
  type RunParam,
  type Seed,
  syntheticSeeds,
} from "./_tekton_cases.ts";
import { EXPECTED_DIFFERENCES } from "./_tekton_expected.ts";

const EXAMPLES = `${DRACON_ROOT}/examples/pipelines`;
const SOURCE = new URL("../../scripts/tekton-check/main.go", import.meta.url).pathname;

interface Verdict {
  verdict: "ok" | "error";
  messages: string[];
}

/** The tekton-check binary, or why it cannot be used. */
async function tektonCheck(): Promise<{ binary: string; config: string } | { missing: string }> {
  const dir = Deno.env.get("DRACONCTL_TESTENV_TEKTON_BIN");
  if (!dir) {
    return { missing: 'DRACONCTL_TESTENV_TEKTON_BIN is not set (eval "$(scripts/testenv env)")' };
  }
  const binary = `${dir}/tekton-check`;
  try {
    await Deno.stat(binary);
  } catch {
    return { missing: `${binary} does not exist (run: scripts/testenv build)` };
  }
  const built = (await Deno.readTextFile(`${binary}.source`).catch(() => "")).trim();
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(SOURCE));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (built !== hex) {
    return { missing: `${binary} was built from another ${SOURCE} (run: scripts/testenv build)` };
  }
  return { binary, config: `${dir}/../config` };
}

const found = await tektonCheck();
const inCi = Deno.env.get("CI") === "true";
if ("missing" in found && !inCi) {
  console.warn(`tekton_differential_test.ts: ignored (it fails under CI=true): ${found.missing}`);
}

/** The corpus examples rendered from the local components, as seeds. */
async function corpusSeeds(): Promise<{ seeds: Seed[]; own: Case[] }> {
  const dirs = new Map(
    (await gatherTasks(`${DRACON_ROOT}/components`, new DenoFileSystem())).tasks
      .map((g) => [g.task.metadata.name, `components/${g.relative.replace(/\/[^/]+$/, "")}`]),
  );
  const work = await Deno.makeTempDir({ prefix: "draconctl-tekton-diff-" });
  const seeds: Seed[] = [];
  const own: Case[] = [];
  const examples = [...Deno.readDirSync(EXAMPLES)].filter((e) => e.isDirectory).map((e) => e.name)
    .sort();
  for (const example of examples) {
    const source = await Deno.readTextFile(`${EXAMPLES}/${example}/kustomization.yaml`);
    const local = source.replace(
      /pkg:helm\/dracon-oss-components\/([\w-]+)$/gm,
      (whole, task: string) => dirs.get(task) ?? whole,
    );
    if (local.includes("pkg:helm")) continue; // reachability-project: refused before any check
    await Deno.mkdir(`${work}/${example}`);
    await Deno.writeTextFile(`${work}/${example}/kustomization.yaml`, local);
    const rendered = await runCli([
      "pipelines",
      "deploy",
      `${work}/${example}`,
      "--dry-run",
      "-o",
      "json",
      "--base-dir",
      DRACON_ROOT,
      "--set",
      "image.registry=registry.internal.example",
      "--app-version",
      "0.1.0",
    ]);
    assert.equal(rendered.code, 0, `${example}: ${rendered.stderr}`);
    const objects = JSON.parse(rendered.stdout) as (Task | PipelineObject)[];
    const pipeline = objects.find((o) => o.kind === "Pipeline") as PipelineObject;
    const tasks = objects.filter((o): o is Task => o.kind === "Task");
    const [run] = await parseYamlDocuments(
      await Deno.readTextFile(`${EXAMPLES}/${example}/pipelinerun.yaml`),
      `${example}/pipelinerun.yaml`,
    );
    const runParams = ((run?.value as { spec?: { params?: RunParam[] } })?.spec?.params ?? [])
      .map((p) => ({ name: p.name, value: p.value }));
    own.push({ name: `${example}/its own pipelinerun.yaml`, pipeline, tasks, params: runParams });
    // A run that passes: every required param supplied.
    const params = structuredClone(runParams);
    for (
      const spec of (pipeline.spec.params ?? []) as {
        name: string;
        default?: unknown;
        type?: string;
      }[]
    ) {
      if (spec.default === undefined && !params.some((p) => p.name === spec.name)) {
        params.push({ name: spec.name, value: spec.type === "array" ? ["x"] : "x" });
      }
    }
    seeds.push({ name: example, pipeline, tasks, params });
  }
  await Deno.remove(work, { recursive: true });
  return { seeds, own };
}

/** draconctl's verdict: the Tekton rules on each Task, then the run check. */
async function draconctlVerdict(c: Case): Promise<Verdict> {
  const messages = c.tasks.flatMap((t) => tektonTaskProblems(t, "case"));
  const runParams = new Map(c.params.map((p) => [p.name, p.value as ParamValue]));
  const check = await checkRun(c.pipeline as unknown as Pipeline, c.tasks, undefined, {
    runParams,
  });
  messages.push(...check.problems);
  return { verdict: messages.length === 0 ? "ok" : "error", messages };
}

/** Tekton's verdicts, one tekton-check run for every case. */
async function tektonVerdicts(binary: string, config: string, cases: Case[]): Promise<Verdict[]> {
  const child = new Deno.Command(binary, {
    args: ["-config", config],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(
      JSON.stringify(
        cases.map((c) => ({ pipeline: c.pipeline, tasks: c.tasks, params: c.params })),
      ),
    ),
  );
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `tekton-check failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Verdict[];
}

/** The module versions `go version -m` reads from a Go binary. */
async function modules(binary: string): Promise<Map<string, string>> {
  const out = await new Deno.Command("go", { args: ["version", "-m", binary] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const found = new Map<string, string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [kind, path, version] = line.trim().split(/\s+/);
    if (kind === "dep" && path && version) found.set(path, version);
  }
  return found;
}

Deno.test({
  name:
    "tekton-check links tektoncd/pipeline at TEKTON_VERSION, with the controller's module versions",
  ignore: "missing" in found && !inCi,
  async fn() {
    if ("missing" in found) {
      throw new Error(`tekton-check is needed under CI=true: ${found.missing}`);
    }
    const versions = await Deno.readTextFile(
      new URL("../../scripts/testenv.versions", import.meta.url),
    );
    const pinned = /^TEKTON_VERSION=(\S+)$/m.exec(versions)?.[1];
    const check = await modules(found.binary);
    assert.equal(check.get("github.com/tektoncd/pipeline"), pinned);
    const controller = await modules(found.binary.replace(/tekton-check$/, "tekton-controller"));
    const differ = [...check].filter(([path, v]) =>
      controller.has(path) && controller.get(path) !== v
    );
    assert.deepEqual(differ, [], "modules at other versions than in the controller");
    assert.ok([...check.keys()].filter((p) => controller.has(p)).length > 100);
  },
});

const short = (text: string, n = 150) => text.length > n ? `${text.slice(0, n - 1)}…` : text;

Deno.test({
  name: "pipelines check gives Tekton's verdict on every case of the mutated corpus",
  ignore: "missing" in found && !inCi,
  // the in-process renderer's read Worker
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if ("missing" in found) {
      throw new Error(`tekton-check is needed under CI=true: ${found.missing}`);
    }
    const { seeds, own } = await corpusSeeds();
    assert.ok(seeds.length >= 10, `only ${seeds.length} corpus examples rendered`);
    const cases = [...own, ...generateCases([...seeds, ...syntheticSeeds()])];
    assert.ok(cases.length >= 200, `only ${cases.length} cases`);
    const names = new Set(cases.map((c) => c.name));
    assert.equal(names.size, cases.length, "case names are unique");
    const tekton = await tektonVerdicts(found.binary, found.config, cases);
    assert.equal(tekton.length, cases.length);
    const report = Deno.env.get("DRACONCTL_TEKTON_DIFF_REPORT");
    if (report) {
      const all = await Promise.all(cases.map(async (c, i) => ({
        case: c.name,
        draconctl: await draconctlVerdict(c),
        tekton: tekton[i],
      })));
      await Deno.writeTextFile(report, JSON.stringify(all, null, 1));
    }
    const rows: string[] = [];
    const expectedSeen = new Set<string>();
    let agree = 0;
    let errors = 0;
    for (const [i, c] of cases.entries()) {
      const ours = await draconctlVerdict(c);
      const theirs = tekton[i]!;
      if (theirs.verdict === "error") errors++;
      if (ours.verdict === theirs.verdict) {
        agree++;
        continue;
      }
      const expected = EXPECTED_DIFFERENCES.find((e) =>
        e.cases.test(c.name) && e.draconctl === ours.verdict
      );
      if (expected) {
        expectedSeen.add(expected.id);
        continue;
      }
      rows.push(
        `| ${c.name} | ${ours.verdict}: ${short(ours.messages.join("; "))} | ${theirs.verdict}: ${
          short(theirs.messages.join("; "))
        } |`,
      );
    }
    console.log(
      `${cases.length} cases (${errors} refused by Tekton): ${agree} agree, ` +
        `${cases.length - agree - rows.length} expected differences, ${rows.length} disagreements`,
    );
    if (rows.length > 0) {
      console.log(["| case | draconctl | Tekton |", "| --- | --- | --- |", ...rows].join("\n"));
    }
    assert.equal(rows.length, 0, `${rows.length} disagreements with Tekton (table above)`);
    // An entry no case needs any more is stale: the list stays the short, true one.
    for (const e of EXPECTED_DIFFERENCES) {
      assert.ok(
        expectedSeen.has(e.id),
        `expected difference "${e.id}" no longer occurs: remove it`,
      );
    }
    // Both verdicts occur: the corpus has cases Tekton accepts and refuses.
    assert.ok(errors > 50 && cases.length - errors > 50, `${errors} of ${cases.length} refused`);
  },
});
