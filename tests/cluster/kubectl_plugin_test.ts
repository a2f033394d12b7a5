/**
 * `bin/kubectl-dracon`, the kubectl plugin: with bin/ on PATH, the test
 * environment's kubectl finds it and `kubectl dracon …` runs draconctl with
 * the caller's working directory and arguments. Needs no cluster.
 */
import assert from "node:assert/strict";
import { kubectlDir } from "./_kubectl_dir.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const env = { PATH: `${REPO}bin:${kubectlDir()}:${Deno.env.get("PATH")}` };

async function kubectl(args: string[], cwd: string) {
  const out = await new Deno.Command("kubectl", {
    args,
    env,
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("kubectl dracon --version runs draconctl through the plugin on PATH", async () => {
  const listed = await kubectl(["plugin", "list"], REPO);
  assert.match(listed.stdout, /\/bin\/kubectl-dracon\n/, listed.stderr);
  const version = await kubectl(["dracon", "--version"], REPO);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^draconctl \d+\.\d+\.\d+ \(deno /);
});

Deno.test("kubectl dracon keeps the caller's directory, arguments and exit code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/p`);
    await Deno.copyFile(
      `${REPO}../shared/dracon/components/base/task.yaml`,
      `${dir}/p/base.yaml`,
    );
    await Deno.writeTextFile(
      `${dir}/p/kustomization.yaml`,
      "nameSuffix: -plugin\ncomponents:\n  - base.yaml\n",
    );
    const printed = await kubectl(["dracon", "pipelines", "deploy", "p", "--dry-run"], dir);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /kind: Pipeline\nmetadata:\n {2}name: dracon-plugin\n/);
    const bad = await kubectl(["dracon", "pipelines", "deploy", "missing", "--dry-run"], dir);
    assert.equal(bad.code, 4, bad.stderr);
    assert.match(bad.stderr, /^error: .*"missing"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
