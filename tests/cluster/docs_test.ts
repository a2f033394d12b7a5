/**
 * The docs cannot rot: every runnable shell block of README.md and docs/*.md
 * (markers: tests/_docs.ts) is run here, in a copy of the repository's files
 * without `../shared` beside it (what a bare clone has), and must exit 0 and
 * print what its `text output` block says.
 *
 * - `runnable` blocks of one file run in order in one bash (`set -euo
 *   pipefail`; `cd` and variables carry over) against a test environment
 *   started for that file alone, so `-n dracon`, `helm install` and
 *   `kubectl create namespace` start from an empty cluster. The blocks reach it
 *   as a reader does: `DRACONCTL_TESTENV_STATE` names it, and the docs' own
 *   `eval "$(scripts/testenv env)"` (or `deno task demo`) picks it up.
 * - `runnable offline` blocks and the main job of the README's first block run
 *   in another bash with no kubeconfig, no `KUBECONFIG` and no `helm` or
 *   `kubectl` on `PATH`.
 *
 * Both get an empty `HOME` (no `~/.kube/config`, no helm configuration); the
 * Deno, npm and testenv caches are the machine's.
 *
 * @module
 */
import assert from "node:assert/strict";
import { docFiles, missingOutput, type ShellBlock, shellBlocks } from "../_docs.ts";
import { testenv } from "./_dedicated.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const REAL_HOME = Deno.env.get("HOME") ?? "/root";
const CACHE = Deno.env.get("XDG_CACHE_HOME") ?? `${REAL_HOME}/.cache`;
const TEST_COMMAND = "npx -y deno@2.9.6 task test";

/** Copies the files git knows (tracked or not ignored) to `dest`, symlinks as symlinks. */
async function copyRepository(dest: string): Promise<void> {
  const listed = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: REPO,
    stdout: "piped",
  }).output();
  assert.ok(listed.success, "git ls-files failed");
  for (const path of new TextDecoder().decode(listed.stdout).split("\0").filter(Boolean)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(`${REPO}/${path}`);
    } catch {
      continue; // deleted in the work tree
    }
    const target = `${dest}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    if (info.isSymlink) await Deno.symlink(await Deno.readLink(`${REPO}/${path}`), target);
    else if (info.isFile) await Deno.copyFile(`${REPO}/${path}`, target);
  }
}

/** PATH without the test environment's binaries (scripts/test put them first). */
function pathWithoutTestenv(): string {
  return (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")
    .filter((dir) => !dir.includes("draconctl-testenv")).join(":");
}

interface GroupResult {
  code: number;
  /** Output of each block, by index into the group. */
  logs: string[];
  /** Index of the block that ran last (the failing one when code ≠ 0). */
  last: number;
}

/** Runs `blocks` in order in one bash in `cwd`; each block's output goes to its own log. */
async function runGroup(
  blocks: readonly { code: string }[],
  cwd: string,
  scratch: string,
  env: Record<string, string>,
): Promise<GroupResult> {
  const out = await Deno.makeTempDir({ dir: scratch, prefix: "logs-" });
  const script = ["set -euo pipefail", `cd ${JSON.stringify(cwd)}`];
  blocks.forEach((block, i) => {
    script.push(
      `printf %s ${i} > ${JSON.stringify(`${out}/current`)}`,
      "{",
      block.code,
      `} > ${JSON.stringify(`${out}/${i}.log`)} 2>&1 < /dev/null`,
    );
  });
  const home = await Deno.makeTempDir({ dir: scratch, prefix: "home-" });
  const result = await new Deno.Command("bash", {
    args: ["-c", script.join("\n")],
    clearEnv: true,
    env: {
      PATH: pathWithoutTestenv(),
      HOME: home,
      XDG_CACHE_HOME: CACHE,
      npm_config_cache: Deno.env.get("npm_config_cache") ?? `${REAL_HOME}/.npm`,
      HELM_CACHE_HOME: `${home}/.cache/helm`,
      // XDG_CACHE_HOME is the machine's (Deno's caches); draconctl's own cache stays in the home.
      DRACONCTL_CACHE_DIR: `${home}/.cache/draconctl`,
      TMPDIR: scratch,
      LANG: "C.UTF-8",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const read = (name: string) => Deno.readTextFile(`${out}/${name}`).catch(() => "");
  const logs = await Promise.all(blocks.map((_, i) => read(`${i}.log`)));
  const last = Number((await read("current")) || "0");
  return { code: result.code, logs, last };
}

/** Asserts a group ran to the end and printed what each block's `text output` says. */
function assertGroup(blocks: readonly ShellBlock[], result: GroupResult): void {
  if (result.code !== 0) {
    const block = blocks[result.last]!;
    assert.fail(
      `${block.where}: the block exited ${result.code}\n--- block ---\n${block.code}\n` +
        `--- output ---\n${result.logs[result.last]}`,
    );
  }
  blocks.forEach((block, i) => {
    if (block.expected === undefined) return;
    const missing = missingOutput(block.expected, result.logs[i]!);
    assert.deepEqual(missing, [], `${block.where}: output lacks these lines:\n${result.logs[i]}`);
  });
}

/** The main job of the README's first block, checked to be the two documented commands. */
function firstScreen(block: ShellBlock): ShellBlock {
  const commands = block.code.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "");
  assert.equal(commands.length, 2, `${block.where}: the first screen holds two commands`);
  assert.match(commands[0]!, /^npx -y deno@2\.9\.6 task draconctl /);
  // The second is the command that runs this test (deno.json's "test" task is scripts/test,
  // which runs tests/cluster/), so it is checked rather than run.
  assert.equal(commands[1], TEST_COMMAND);
  return { ...block, code: commands[0]! };
}

const files = await docFiles(REPO);
const parsed = await Promise.all(
  files.map(async (file) => ({
    file,
    blocks: shellBlocks(await Deno.readTextFile(`${REPO}/${file}`), file),
  })),
);

Deno.test("deno.json's test task is scripts/test, which runs tests/cluster/ (this file)", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}/deno.json`));
  assert.equal(config.tasks.test, "bash scripts/test");
  assert.match(await Deno.readTextFile(`${REPO}/scripts/test`), /tests\/cluster\//);
});

for (const { file, blocks } of parsed) {
  const offline = blocks.flatMap((b) =>
    b.mode === "offline" ? [b] : b.mode === "first-screen" ? [firstScreen(b)] : []
  );
  const cluster = blocks.filter((b) => b.mode === "cluster");
  if (offline.length === 0 && cluster.length === 0) continue;

  Deno.test({
    name: `${file}: ${offline.length} offline and ${cluster.length} cluster block(s) run`,
    // The environment's processes and the blocks' subprocesses are awaited; nothing is left open.
    async fn(t) {
      const scratch = await Deno.makeTempDir({ prefix: "draconctl-docs-" });
      const copy = `${scratch}/draconctl`;
      await copyRepository(copy);
      try {
        if (offline.length > 0) {
          await t.step("offline: no kubeconfig, no helm, no kubectl", async () => {
            assertGroup(offline, await runGroup(offline, copy, scratch, {}));
          });
        }
        if (cluster.length > 0) {
          await t.step("against a test environment of its own", async () => {
            const state = `${scratch}/testenv-state`;
            // As `deno task demo` starts it: with the Tekton controller and the pod completer.
            await testenv(state, "up", "--tekton");
            try {
              assertGroup(
                cluster,
                await runGroup(cluster, copy, scratch, { DRACONCTL_TESTENV_STATE: state }),
              );
            } finally {
              await testenv(state, "down").catch(() => {}); // a block may have stopped it
            }
          });
        }
      } finally {
        await Deno.remove(scratch, { recursive: true });
      }
    },
  });
}
