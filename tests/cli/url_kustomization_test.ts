/**
 * An `https://` kustomization argument (the Go tool's loader read one):
 * fetched like a URL component, its relative paths resolved as URLs next to
 * it, never as local files.
 */
import assert from "node:assert/strict";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { DRACON_ROOT, runCli } from "./_cli.ts";

const HOST = "https://tasks.example.com";
const COMPONENTS = [
  "components/base",
  "components/sources/git",
  "components/producers/golang-gosec",
  "components/producers/aggregator",
  "components/consumers/stdout-json",
];

function kustomization(components: readonly string[]): string {
  return [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "nameSuffix: -remote",
    "components:",
    ...components.map((c) => `  - ${c}`),
    "",
  ].join("\n");
}

/** The corpus Tasks served under `${HOST}/dracon/`, and a kustomization at `${HOST}/dracon/p/`. */
async function served(components: readonly string[] = COMPONENTS.map((c) => `../${c}`)) {
  const bodies: Record<string, string> = {
    [`${HOST}/dracon/p/kustomization.yaml`]: kustomization(components),
  };
  for (const c of COMPONENTS) {
    bodies[`${HOST}/dracon/${c}/task.yaml`] = await Deno.readTextFile(
      `${DRACON_ROOT}/${c}/task.yaml`,
    );
  }
  return new FakeFetcher(bodies);
}

Deno.test("a URL kustomization is fetched and its relative paths are URLs next to it", async () => {
  const fetcher = await served(COMPONENTS);
  fetcher.bodies.set(`${HOST}/dracon/kustomization.yaml`, kustomization(COMPONENTS));
  const result = await runCli(
    ["pipelines", "deploy", `${HOST}/dracon`, "--dry-run", "--max-body-size", "64KiB"],
    { fetcher },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /kind: Pipeline\nmetadata:\n {2}name: dracon-remote\n/);
  assert.match(result.stdout, /name: producer-golang-gosec\n/);
  assert.match(
    result.stdout,
    /draconctl.dracon.ocurity.com\/kustomization: https:\/\/tasks\.example\.com\/dracon\n/,
  );
  assert.deepEqual(
    fetcher.calls.map((c) => c.url).sort(),
    [
      `${HOST}/dracon/kustomization.yaml`,
      ...COMPONENTS.map((c) => `${HOST}/dracon/${c}/task.yaml`),
    ].sort(),
  );
  // The same limits as URL components.
  for (const call of fetcher.calls) assert.equal(call.options.maxBytes, 64 * 1024);
});

Deno.test("'..' above the kustomization's URL directory needs --load-restrictor none", async () => {
  const args = ["pipelines", "deploy", `${HOST}/dracon/p/`, "--dry-run"];
  const refused = await runCli(args, { fetcher: await served() });
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /leads outside https:\/\/tasks\.example\.com\/dracon\/p\//);
  const allowed = await runCli([...args, "--load-restrictor", "none"], { fetcher: await served() });
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /name: dracon-remote\n/);
});

Deno.test("a URL kustomization never names local files", async () => {
  const fetcher = await served([`${DRACON_ROOT}/components/base`, "~/task.yaml"]);
  const result = await runCli(
    ["pipelines", "deploy", `${HOST}/dracon/p`, "--dry-run", "--load-restrictor", "none"],
    { fetcher },
  );
  assert.equal(result.code, 3, result.stderr);
  assert.equal(result.stderr.match(/cannot name a local file/g)?.length, 2, result.stderr);
  assert.deepEqual(fetcher.calls.map((c) => c.url), [`${HOST}/dracon/p/kustomization.yaml`]);
});
