/**
 * Bad input to `components package`: each case runs through the whole CLI
 * (with the fake helm) and must fail with its documented exit code and a
 * message naming the input, before anything is written.
 */
import assert from "node:assert/strict";
import { HelmError } from "../../src/errors.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { fixture, runCli } from "./_cli.ts";

const CORPUS = new URL("../../../shared/dracon/components", import.meta.url).pathname;

interface Case {
  name: string;
  args: string[];
  exit: number;
  message: string[];
  helm?: FakeHelm;
}

function helmWith(knobs: Partial<FakeHelm>): FakeHelm {
  return Object.assign(new FakeHelm(), knobs);
}

const CASES: Case[] = [
  {
    name: "missing name",
    args: [CORPUS],
    exit: 2,
    message: ["--name", "usage: draconctl components package"],
  },
  { name: "missing directory argument", args: ["--name", "x"], exit: 2, message: ["dir"] },
  {
    name: "invalid chart name",
    args: [CORPUS, "--name", "Dracon_Components"],
    exit: 3,
    message: ['Invalid chart name "Dracon_Components"'],
  },
  {
    name: "invalid chart version",
    args: [CORPUS, "--name", "x", "--chart-version", "1.0"],
    exit: 3,
    message: ['Invalid chart version "1.0"'],
  },
  {
    name: "duplicate Task names",
    args: [fixture("charts/bad/duplicate"), "--name", "x"],
    exit: 3,
    message: ['Task "consumer-report" is defined more than once', "a/task.yaml", "b/report.yaml"],
  },
  {
    name: "invalid Task",
    args: [fixture("charts/bad/invalid-task"), "--name", "x"],
    exit: 3,
    message: ["producers/x/task.yaml", '"scanner"'],
  },
  {
    name: "bad name and invalid Task reported together",
    args: [fixture("charts/bad/invalid-task"), "--name", "X"],
    exit: 3,
    message: ['Invalid chart name "X"', "producers/x/task.yaml"],
  },
  {
    name: "missing directory",
    args: [fixture("charts/bad/does-not-exist"), "--name", "x"],
    exit: 4,
    message: ["does-not-exist", "no such directory"],
  },
  {
    name: "push to a non-OCI address",
    args: [CORPUS, "--name", "x", "--push", "https://registry.example/charts"],
    exit: 2,
    message: ["--push", "oci://"],
  },
  {
    name: "helm missing",
    args: [CORPUS, "--name", "x"],
    exit: 6,
    message: ["helm is not installed or not on PATH", "hint: install helm"],
    helm: helmWith({ installed: false }),
  },
  {
    name: "helm lint failing",
    args: [CORPUS, "--name", "x"],
    exit: 6,
    message: ["helm lint failed", "hint: run"],
    helm: helmWith({
      lintError: new HelmError("helm lint failed (exit code 1): [ERROR] templates/: boom", {
        hint: 'run "helm lint /tmp/x" to see every finding',
      }),
    }),
  },
  // ---- issue 14, item 8
  {
    name: "a tree without a Task",
    args: [fixture("charts/bad/no-task"), "--name", "x"],
    exit: 3,
    message: ["charts/bad/no-task: holds no Task (2 file(s) skipped, none a Task)", "hint: "],
  },
  {
    name: "a tree with no YAML file at all",
    args: [fixture("charts/bad/empty"), "--name", "x"],
    exit: 3,
    message: ["charts/bad/empty: holds no Task"],
  },
  {
    name: "a task.yaml symlink to a device (symlinks are not followed)",
    args: [fixture("charts/bad/device-link"), "--name", "x"],
    exit: 3,
    message: ["charts/bad/device-link: holds no Task (1 file(s) skipped"],
  },
  {
    name: "a binary task.yaml",
    args: [fixture("charts/bad/binary-task"), "--name", "x"],
    exit: 3,
    message: ["binary-task/x/task.yaml: holds NUL bytes: binary content, not YAML"],
  },
  {
    name: "a task.yaml that is not UTF-8",
    args: [fixture("charts/bad/not-utf8-task"), "--name", "x"],
    exit: 3,
    message: ["not-utf8-task/x/task.yaml: is not valid UTF-8 text"],
  },
  {
    name: "the directory is a device",
    args: ["/dev/zero", "--name", "x"],
    exit: 4,
    message: ['"/dev/zero"', "not a directory"],
  },
];

Deno.test("components package refuses bad input with a clear error and its exit code", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const out = await Deno.makeTempDir();
      const result = await runCli(["components", "package", ...c.args, "--output-dir", out], {
        helm: c.helm ?? new FakeHelm(),
      });
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.ok(result.stderr.startsWith("error: "), result.stderr);
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("    at "), `no stack trace:\n${result.stderr}`);
      const printed = [result.stderr, ...result.warnings].join("\n");
      // deno-lint-ignore no-control-regex
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\ufffd]/.test(printed), "no raw bytes are printed");
      assert.deepEqual([...Deno.readDirSync(out)], [], "no archive written");
    });
  }
});

Deno.test("components package prints the archive (and pushed digest); -o json the same data", async () => {
  const out = await Deno.makeTempDir();
  const helm = new FakeHelm();
  const text = await runCli([
    "components",
    "package",
    CORPUS,
    "--name",
    "dracon-components",
    "--output-dir",
    out,
    "--push",
    "oci://registry.example/charts",
  ], { helm });
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout,
    `${out}/dracon-components-0.1.0.tgz\n` +
      `registry.example/charts/dracon-components:0.1.0@${helm.digest}\n`,
  );
  assert.deepEqual(helm.calls.map((c) => c.method), ["lint", "package", "push"]);
  assert.ok(
    text.warnings.some((w) => w.includes("base/pipeline.yaml: skipped")),
    text.warnings.join("\n"),
  );
  const json = await runCli(
    [
      "components",
      "package",
      CORPUS,
      "--name",
      "dracon-components",
      "--output-dir",
      out,
      "-o",
      "json",
    ],
    { helm: new FakeHelm() },
  );
  const result = JSON.parse(json.stdout);
  assert.equal(result.archive, `${out}/dracon-components-0.1.0.tgz`);
  assert.equal(result.tasks.length, 48);
  assert.deepEqual(result.chart, {
    name: "dracon-components",
    version: "0.1.0",
    appVersion: "0.1.0",
  });
});
