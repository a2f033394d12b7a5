/**
 * `--anchor-image` (and `DRACONCTL_ANCHOR_IMAGE`): the anchor step deploy adds
 * to a corpus producer pulls the configured image, and the policy gate and
 * the lock see it, as they see every Task as applied.
 */
import assert from "node:assert/strict";
import { DRACON_ROOT, runCli } from "./_cli.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";

const PRIVATE = "registry.internal.example";
const PINNED = `${PRIVATE}/busybox@sha256:${"c".repeat(64)}`;
const POLICY = `apiVersion: draconctl.dracon.ocurity.com/v1
kind: Policy
images:
  registries: [${PRIVATE}]
`;

/**
 * A kustomization of corpus Tasks whose own images all come from
 * `image.registry` (a producer and an enricher), with the corpus base Task
 * as the seed's team rebuilt it into their registry; and a policy allowing
 * only that registry.
 */
async function rebuilt(): Promise<{ dir: string; policy: string }> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-anchor-" });
  const base = await Deno.readTextFile(`${DRACON_ROOT}/components/base/task.yaml`);
  assert.match(base, /image: docker\.io\/busybox:/);
  await Deno.mkdir(`${dir}/base`);
  await Deno.writeTextFile(
    `${dir}/base/task.yaml`,
    base.replaceAll("image: docker.io/busybox:", `image: ${PRIVATE}/busybox:`),
  );
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
nameSuffix: -anchor
components:
  - ${dir}/base
  - components/producers/ossf-scorecard
  - components/enrichers/codeowners
`,
  );
  await Deno.writeTextFile(`${dir}/policy.yaml`, POLICY);
  return { dir, policy: `${dir}/policy.yaml` };
}

function deployArgs(dir: string, ...flags: string[]): string[] {
  return [
    "pipelines",
    "deploy",
    dir,
    "--base-dir",
    DRACON_ROOT,
    "--load-restrictor",
    "none",
    "--dry-run",
    "--set",
    `image.registry=${PRIVATE}`,
    ...flags,
  ];
}

async function anchorImages(yaml: string): Promise<string[]> {
  const docs = await parseYamlDocuments(yaml, "stdout");
  return docs.flatMap((d) => {
    const object = d.value as {
      kind?: string;
      spec?: { steps?: { name: string; image: string }[] };
    };
    return object.kind === "Task"
      ? (object.spec?.steps ?? []).filter((s) => s.name === "anchor").map((s) => s.image)
      : [];
  });
}

Deno.test("a policy allowing only the private registry passes with --anchor-image, and names the anchor step without", async () => {
  const { dir, policy } = await rebuilt();
  const passed = await runCli(deployArgs(dir, "--policy", policy, "--anchor-image", PINNED));
  assert.equal(passed.code, 0, passed.stderr);
  assert.deepEqual(await anchorImages(passed.stdout), [PINNED, PINNED]);
  const refused = await runCli(deployArgs(dir, "--policy", policy));
  assert.equal(refused.code, 10, refused.stderr);
  const violations = refused.stderr.split("\n").filter((l) => l.startsWith("error: policy:"));
  assert.deepEqual(
    violations.map((v) => v.match(/^error: policy: Task "([^"]+)" step "([^"]+)"/)?.slice(1)),
    [["producer-ossf-scorecard", "anchor"], ["enricher-codeowners", "anchor"]],
    refused.stderr,
  );
  for (const v of violations) assert.match(v, /image "docker\.io\/busybox" .*\[image-source\]/);
  assert.match(refused.stderr, /^hint: .*the "anchor" step is draconctl's: --anchor-image sets/m);
});

Deno.test("DRACONCTL_ANCHOR_IMAGE sets --anchor-image; the flag beats it; the default is the Go tool's", async () => {
  const { dir } = await rebuilt();
  const env = (name: string) => name === "DRACONCTL_ANCHOR_IMAGE" ? PINNED : undefined;
  const fromEnv = await runCli(deployArgs(dir), { env });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.deepEqual(await anchorImages(fromEnv.stdout), [PINNED, PINNED]);
  const flag = await runCli(deployArgs(dir, "--anchor-image", "busybox:1.36"), { env });
  assert.deepEqual(await anchorImages(flag.stdout), ["busybox:1.36", "busybox:1.36"]);
  const byDefault = await runCli(deployArgs(dir));
  assert.deepEqual(await anchorImages(byDefault.stdout), [
    "docker.io/busybox",
    "docker.io/busybox",
  ]);
});

Deno.test("the lock's applied digest covers the anchor image: lock --check fails when it changes", async () => {
  const { dir } = await rebuilt();
  const lock = (...flags: string[]) =>
    runCli([
      "pipelines",
      "lock",
      dir,
      "--base-dir",
      DRACON_ROOT,
      "--load-restrictor",
      "none",
      ...flags,
    ]);
  const written = await lock("--anchor-image", PINNED);
  assert.equal(written.code, 0, written.stderr);
  const same = await lock("--check", "--anchor-image", PINNED);
  assert.equal(same.code, 0, same.stderr);
  const other = await lock("--check");
  assert.equal(other.code, 9, other.stderr);
  const changed = other.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.deepEqual(
    changed.map((l) => l.match(/component "([^"]+)": Task as applied/)?.[1]),
    ["components/enrichers/codeowners", "components/producers/ossf-scorecard"],
    other.stderr,
  );
  assert.match(changed[0]!, /--anchor-image changed it/);
});

Deno.test("requireDigest passes on the anchor steps once --anchor-image is pinned", async () => {
  const { dir, policy } = await rebuilt();
  await Deno.writeTextFile(policy, POLICY + "  requireDigest: true\n");
  const steps = async (...flags: string[]) => {
    const r = await runCli(deployArgs(dir, "--policy", policy, ...flags));
    assert.equal(r.code, 10, r.stderr); // the Tasks' own images are tagged
    return [...r.stderr.matchAll(/^error: policy: Task "[^"]+" step "([^"]+)".*\[image-digest\]/gm)]
      .map((m) => m[1]);
  };
  assert.ok((await steps()).includes("anchor"));
  const pinned = await steps("--anchor-image", PINNED);
  assert.ok(pinned.length > 0 && !pinned.includes("anchor"), pinned.join());
});
