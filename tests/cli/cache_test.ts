/**
 * The cache across runs end to end, in-process with the real disk cache
 * (docs/cache.md): every corpus example pipeline (fixtures/pipelines/*,
 * examples/ and the 19 of ../shared/dracon/examples) prints byte for byte
 * the same dry run without a cache, with an empty one and with a warm one,
 * with and without `--set`/`--values`/`--app-version`/`-n`/`--anchor-image`;
 * a warm run finds every Task in the cache and writes nothing; and every
 * bad-input case fails exactly as without a cache, cold and warm.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../src/base/sha256.ts";
import type { Cache } from "../../src/io/cache.ts";
import { DiskCache } from "../../src/io/disk_cache.ts";
import { CountingCache } from "../_fakes/memory_cache.ts";
import { ClusterError } from "../../src/errors.ts";
import { writeLocalCorpusPipelines } from "../../bench/corpus_pipelines.ts";
import { BAD_INPUT_CASES, badInputArgs } from "./_bad_cases.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";

const TMP = await Deno.makeTempDir({ prefix: "draconctl-cache-cli-" });
const CORPUS = await writeLocalCorpusPipelines(`${TMP}/corpus`);
const VALUES = `${TMP}/values.yaml`;
await Deno.writeTextFile(VALUES, "image:\n  registry: registry.values/dracon\n");
const EXAMPLES = new URL("../../examples", import.meta.url).pathname;
const FIXTURES = [
  "golang-project",
  "python-project",
  "rails-project",
  "dast-project",
  "no-enrichers",
]
  .map((name) => fixture(`pipelines/${name}`));

const VARIANTS: Record<string, string[]> = {
  defaults: [],
  "--set": ["--set", "image.registry=registry.internal/dracon"],
  "--values": ["--values", VALUES],
  "--app-version, -n, --anchor-image, -o json": [
    "--app-version",
    "9.9.9",
    "-n",
    "other",
    "--anchor-image",
    "registry.internal/busybox:1",
    "-o",
    "json",
  ],
};

async function dryRun(kustomization: string, flags: string[], cache?: Cache) {
  const baseDir = kustomization === EXAMPLES ? [] : ["--base-dir", DRACON_ROOT];
  const result = await runCli(
    ["pipelines", "deploy", kustomization, "--dry-run", ...baseDir, ...flags],
    cache ? { cache } : {},
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

Deno.test("every corpus example pipeline: the same dry run without a cache, cold and warm", async (t) => {
  assert.equal(CORPUS.length, 19);
  const all = [...FIXTURES, EXAMPLES, ...CORPUS];
  for (const [variant, flags] of Object.entries(VARIANTS)) {
    // Every pipeline for the defaults; a few for the other variants (the same code path).
    const pipelines = variant === "defaults"
      ? all
      : [...FIXTURES.slice(0, 2), EXAMPLES, CORPUS[5]!];
    const dir = await Deno.makeTempDir({ dir: TMP, prefix: "cache-" });
    for (const kustomization of pipelines) {
      await t.step(`${variant}: ${kustomization.replace(/^.*\//, "")}`, async () => {
        const expected = await dryRun(kustomization, flags);
        const empty = new CountingCache(new DiskCache(await Deno.makeTempDir({ dir: TMP })));
        assert.equal(await dryRun(kustomization, flags, empty), expected, "empty cache");
        assert.equal(empty.hits, 0);
        assert.ok(empty.puts > 0, "the cold run stores its Tasks");
        const shared = new CountingCache(new DiskCache(dir));
        assert.equal(await dryRun(kustomization, flags, shared), expected, "cache shared by runs");
        const warm = new CountingCache(new DiskCache(dir));
        assert.equal(await dryRun(kustomization, flags, warm), expected, "warm cache");
        assert.equal(warm.misses, 0, "a warm run finds everything");
        assert.equal(warm.puts, 0, "and writes nothing");
        // Each entry of the cold run is found once: with the chart's defaults a Task's
        // load and its render, with --set/--values its load only (helm renders it).
        assert.equal(warm.hits, empty.puts);
      });
    }
  }
});

Deno.test("a changed Task file is not served from the cache", async () => {
  const dir = `${TMP}/changed`;
  await Deno.mkdir(`${dir}/task`, { recursive: true });
  const source = await Deno.readTextFile(
    `${DRACON_ROOT}/components/producers/golang-gosec/task.yaml`,
  );
  await Deno.writeTextFile(`${dir}/task/task.yaml`, source);
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -changed\ncomponents:\n  - components/base\n  - ${dir}/task\n`,
  );
  const flags = ["--load-restrictor", "none"];
  const cache = new DiskCache(`${TMP}/changed-cache`);
  const before = await dryRun(dir, flags, cache);
  for (const [from, to] of [["gosec:2.15.0", "gosec:2.16.0"], ["golang-gosec:{{", "gosec-x:{{"]]) {
    await Deno.writeTextFile(`${dir}/task/task.yaml`, source.replace(from!, to!));
    const changed = new CountingCache(cache);
    const after = await dryRun(dir, flags, changed);
    assert.notEqual(after, before, to);
    assert.ok(after.includes(to!.replace(":{{", ":latest")), to);
    assert.equal(after, await dryRun(dir, flags), "the output of a run without a cache");
    assert.ok(changed.misses > 0 && changed.puts > 0);
  }
});

Deno.test("every bad-input case fails exactly as without a cache, cold and warm", async (t) => {
  const dir = `${TMP}/bad-cache`;
  for (const c of BAD_INPUT_CASES) {
    await t.step(c.name, async () => {
      const run = (cache?: Cache) =>
        runCli(badInputArgs(c), {
          ...(c.fetcher ? { fetcher: c.fetcher } : {}),
          ...(c.fs ? { fs: c.fs } : {}),
          ...(c.env ? { env: (name: string) => c.env?.[name] } : {}),
          ...(cache ? { cache } : {}),
          cluster: () => Promise.reject(new ClusterError("no cluster in this test")),
        });
      const expected = await run();
      assert.equal(expected.code, c.exit, expected.stderr);
      for (const round of ["cold", "warm"]) {
        const got = await run(new DiskCache(dir));
        assert.deepEqual(
          { code: got.code, stdout: got.stdout, stderr: got.stderr },
          { code: expected.code, stdout: expected.stdout, stderr: expected.stderr },
          round,
        );
      }
    });
  }
});

Deno.test("a poisoned cache (entries rewritten intact by someone who can write it) cannot pass the policy gate or --locked", async () => {
  const dir = `${TMP}/poisoned`;
  const policy = `${TMP}/policy.yaml`;
  await Deno.writeTextFile(
    policy,
    "apiVersion: draconctl.dracon.ocurity.com/v1\nkind: Policy\nimages:\n  registries: [docker.io]\n",
  );
  const lockFile = `${TMP}/example.lock`;
  const locked = await runCli(["pipelines", "lock", EXAMPLES, "--lock-file", lockFile]);
  assert.equal(locked.code, 0, locked.stderr);
  const flags = ["--policy", policy, "--locked", "--lock-file", lockFile];
  const clean = await runCli(["pipelines", "deploy", EXAMPLES, "--dry-run", ...flags], {
    cache: new DiskCache(dir),
  });
  assert.equal(clean.code, 0, clean.stderr);
  // Rewrite every entry with an intact header: the attacker's Task pulls from elsewhere.
  let poisoned = 0;
  for await (const entry of Deno.readDir(dir)) {
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    const value = text.slice(text.indexOf("\n") + 1);
    const evil = value.replaceAll("docker.io/library/busybox", "evil.example/busybox");
    if (evil === value) continue;
    await Deno.writeTextFile(
      `${dir}/${entry.name}`,
      `draconctl-cache-v1 ${entry.name} ${sha256Hex(evil)}\n${evil}`,
    );
    poisoned++;
  }
  assert.ok(poisoned > 0);
  const run = (extra: string[]) =>
    runCli(["pipelines", "deploy", EXAMPLES, "--dry-run", ...extra], {
      cache: new DiskCache(dir),
    });
  const gated = await run(["--policy", policy]);
  assert.equal(gated.code, 10, gated.stderr);
  assert.match(gated.stderr, /evil\.example/);
  const lockedOut = await run(["--no-policy", "--locked", "--lock-file", lockFile]);
  assert.equal(lockedOut.code, 9, lockedOut.stderr);
  assert.equal(lockedOut.stdout, "");
});
