/**
 * The policy format (strict, with lines), each rule of the gate, the
 * matching adversaries (prefix tricks, ports, case, Docker Hub spellings),
 * and the SARIF log.
 */
import assert from "node:assert/strict";
import { parsePolicy, type Policy, PolicyFileError } from "../../src/pipelines/policy.ts";
import {
  evaluatePolicy,
  type PolicyRule,
  type PolicySubject,
  violationLine,
} from "../../src/pipelines/policy_gate.ts";
import { sarifOf } from "../../src/cli/policy_output.ts";
import type { Pipeline, PipelineTask, Task } from "../../src/tekton/types.ts";

const HEADER = "apiVersion: draconctl.dracon.ocurity.com/v1\nkind: Policy\n";
const F64 = "f".repeat(64);

async function policy(body: string): Promise<Policy> {
  return await parsePolicy(HEADER + body, "policy.yaml");
}

function task(name: string, spec: Record<string, unknown>): Task {
  return { apiVersion: "tekton.dev/v1", kind: "Task", metadata: { name }, spec } as Task;
}

const EMPTY_PIPELINE: Pipeline = {
  apiVersion: "tekton.dev/v1",
  kind: "Pipeline",
  metadata: { name: "p" },
  spec: { tasks: [] },
};

/** The rules each Task breaks, as `task/where/rule`. */
function broken(p: Policy, tasks: Task[], pipeline: Pipeline = EMPTY_PIPELINE): string[] {
  const subjects: PolicySubject[] = tasks.map((t) => ({
    task: t,
    ref: `helm://r/${t.metadata.name}`,
  }));
  return evaluatePolicy(p, subjects, pipeline, "k.yaml").map((v) =>
    `${v.task}/${v.where ?? ""}/${v.rule}`
  );
}

function images(...list: string[]): Task[] {
  return list.map((image, i) => task(`t${i}`, { steps: [{ name: "s", image }] }));
}

Deno.test("policy format: every key is checked, with the file and line", async () => {
  const cases: [string, RegExp][] = [
    ["images:\n  registry: [x.io]\n", /^policy\.yaml: line 4: key "images\.registry" is not part/],
    ["imagez: {}\n", /^policy\.yaml: line 3: key "imagez" is not part of the policy format/],
    [
      "images:\n  requireDigest: yes\n",
      /line 4: key "images\.requireDigest" must be true or false, got string "yes"/,
    ],
    ["images:\n  registries: x.io\n", /key "images\.registries" must be a list of strings/],
    [
      "images:\n  registries: ['https://x.io']\n",
      /key "images\.registries\.0" is not a registry host/,
    ],
    ["images:\n  repositories: ['x.io/a:1']\n", /without tag or digest/],
    ["images:\n  repositories: ['x.io/**/a']\n", /is not a repository pattern/],
    ["security:\n  forbidPrivileged: 1\n", /must be true or false, got number 1/],
    ["tasks:\n  allowed: [Foo]\n", /key "tasks\.allowed\.0" is not a Task name/],
    ["tasks: []\n", /key "tasks" must be a mapping, got a list/],
  ];
  for (const [body, message] of cases) {
    await assert.rejects(policy(body), (e: unknown) => {
      assert.ok(e instanceof PolicyFileError, String(e));
      assert.match(e.message, message, body);
      assert.ok(!e.message.includes("\n"));
      assert.equal(e.exitCode, 3);
      return true;
    });
  }
  await assert.rejects(
    parsePolicy("kind: Policy\n", "p.yaml"),
    /key "apiVersion" must be "draconctl/,
  );
  await assert.rejects(
    parsePolicy("apiVersion: draconctl.dracon.ocurity.com/v2\nkind: Policy\n", "p.yaml"),
    /line 1: key "apiVersion" must be "draconctl\.dracon\.ocurity\.com\/v1", got string/,
  );
  const read = await policy(
    "images:\n  registries: [Registry.Example.com:5000, index.docker.io]\n" +
      "  repositories: [alpine, 'ghcr.io/ocurity/**']\n",
  );
  assert.deepEqual(read.images.registries, ["registry.example.com:5000", "docker.io"]);
  assert.deepEqual(read.images.repositories.map((r) => [r.registry, r.segments.join("/")]), [
    ["docker.io", "library/alpine"],
    ["ghcr.io", "ocurity/**"],
  ]);
});

Deno.test("image-source: registries match whole hosts, ports and all; case-insensitively", async () => {
  const p = await policy("images:\n  registries: [registry.example.com, 'localhost:5000']\n");
  assert.deepEqual(
    broken(
      p,
      images(
        "registry.example.com/a/b:1", // ok
        "REGISTRY.EXAMPLE.COM/a:1", // ok: DNS is case-insensitive
        "registry.example.com.evil.io/a:1",
        "registry.example.com:5000/a:1",
        "evil.io/registry.example.com/a:1",
        "registry.example.com", // docker.io/library/registry.example.com
        "localhost:5000/x", // ok
        "localhost/x",
        "alpine",
      ),
    ),
    [
      't2/step "s"/image-source',
      't3/step "s"/image-source',
      't4/step "s"/image-source',
      't5/step "s"/image-source',
      't7/step "s"/image-source',
      't8/step "s"/image-source',
    ],
  );
});

Deno.test("image-source: repository patterns match whole segments, normalized as images", async () => {
  const p = await policy(
    "images:\n  repositories: [alpine, 'ghcr.io/ocurity/dracon/**', 'quay.io/team/producer-*', 'py*']\n",
  );
  assert.deepEqual(
    broken(
      p,
      images(
        "alpine:3", // ok
        "docker.io/library/alpine@sha256:" + F64, // ok
        "index.docker.io/alpine", // ok
        "docker.io/alpine", // ok: docker.io/library/alpine
        "alpinex",
        "someone/alpine",
        "ghcr.io/ocurity/dracon/components/x:1", // ok
        "ghcr.io/ocurity/dracon-evil/x:1",
        "ghcr.io/ocurity/dracon", // "**" needs at least one segment below
        "quay.io/team/producer-x", // ok
        "quay.io/team/producer-x/y",
        "python:3", // ok: "py*" is docker.io/library/py*
        "someone/python",
      ),
    ),
    [
      't4/step "s"/image-source',
      't5/step "s"/image-source',
      't7/step "s"/image-source',
      't8/step "s"/image-source',
      't10/step "s"/image-source',
      't12/step "s"/image-source',
    ],
  );
});

Deno.test("image-digest and image-unresolved", async () => {
  const p = await policy("images:\n  requireDigest: true\n");
  assert.deepEqual(
    broken(
      p,
      images(
        `a@sha256:${F64}`, // ok
        `a:1@sha256:${F64}`, // ok
        `sha256:${F64}`, // a tag, not a digest
        "a:latest",
        "$(params.image)",
        "Not An Image",
      ),
    ),
    [
      't2/step "s"/image-digest',
      't3/step "s"/image-digest',
      't4/step "s"/image-unresolved',
      't5/step "s"/image-unresolved',
    ],
  );
  assert.deepEqual(
    broken(p, [task("sa", { steps: [{ name: "s", ref: { name: "action" } }] })]),
    ['sa/step "s"/image-unresolved'],
  );
  // No image rule: nothing about images is reported.
  assert.deepEqual(broken(await policy("security:\n  forbidHostPath: true\n"), images("$(x)")), []);
});

Deno.test("steps inherit the stepTemplate's image and securityContext; sidecars do not", async () => {
  const p = await policy(
    "images:\n  registries: [good.io]\nsecurity:\n  forbidPrivileged: true\n",
  );
  const t = task("t", {
    stepTemplate: { image: "evil.io/x", securityContext: { privileged: true } },
    steps: [
      { name: "inherits" },
      { name: "own", image: "good.io/x", securityContext: { privileged: false } },
    ],
    sidecars: [{ name: "side", image: "good.io/y" }],
  });
  const found = broken(p, [t]);
  assert.deepEqual(found, ['t/step "inherits"/image-source', 't/step "inherits"/privileged']);
  const subjects = [{ task: t, ref: "x" }];
  assert.match(
    violationLine(evaluatePolicy(p, subjects, EMPTY_PIPELINE, "k")[0]!),
    /image "evil\.io\/x" \(from the stepTemplate\)/,
  );
});

Deno.test("privileged, host-namespace, host-path", async () => {
  const p = await policy(
    "security:\n  forbidPrivileged: true\n  forbidHostNamespaces: true\n  forbidHostPath: true\n",
  );
  const t = task("t", {
    steps: [
      {
        name: "a",
        image: "x",
        securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "SYS_ADMIN"] } },
      },
      { name: "b", image: "x", securityContext: { capabilities: { add: ["CAP_NET_ADMIN"] } } },
      { name: "c", image: "x", securityContext: { windowsOptions: { hostProcess: true } } },
      {
        name: "d",
        image: "x",
        securityContext: { privileged: false, allowPrivilegeEscalation: false },
      },
    ],
    sidecars: [{
      name: "s",
      image: "x",
      securityContext: { privileged: true },
      ports: [{ containerPort: 80, hostPort: 8080 }],
    }],
    volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }, {
      name: "e",
      emptyDir: {},
    }],
  });
  assert.deepEqual(broken(p, [t]), [
    't/step "a"/privileged',
    't/step "b"/privileged',
    't/step "c"/host-namespace',
    't/sidecar "s"/privileged',
    't/sidecar "s"/host-namespace',
    't/volume "docker"/host-path',
  ]);
  // Inline taskSpecs and pod templates of the Pipeline are checked too.
  const pipeline: Pipeline = {
    ...EMPTY_PIPELINE,
    spec: {
      tasks: [
        {
          name: "inline",
          taskSpec: { steps: [{ name: "x", image: "x", securityContext: { privileged: true } }] },
        },
        { name: "host", taskRef: { name: "t" }, podTemplate: { hostNetwork: true } },
      ] as unknown as PipelineTask[],
    },
  };
  assert.deepEqual(broken(p, [task("t", {})], pipeline), [
    'p/inline/step "x"/privileged',
    "p/host//host-namespace",
  ]);
});

Deno.test("task-name, and Tasks the policy cannot see", async () => {
  const p = await policy("tasks:\n  allowed: [git-clone, 'producer-*']\n");
  assert.deepEqual(broken(p, [task("git-clone", {}), task("producer-x", {}), task("evil", {})]), [
    "evil//task-name",
  ]);
  const remote: Pipeline = {
    ...EMPTY_PIPELINE,
    spec: {
      tasks: [
        { name: "a", taskRef: { name: "not-a-component" } },
        { name: "b", taskRef: { resolver: "bundles" } },
      ] as unknown as PipelineTask[],
    },
  };
  const strict = await policy("images:\n  registries: [x.io]\ntasks:\n  allowed: [a]\n");
  assert.deepEqual(broken(strict, [], remote), [
    "p/a//task-name",
    "p/a//image-unresolved",
    "p/b//image-unresolved",
  ]);
});

Deno.test("an empty policy allows everything; every rule can fire", async () => {
  const all = images("evil.io/x:1");
  assert.deepEqual(broken(await policy(""), all), []);
  const rules = new Set<PolicyRule>();
  const p = await policy(
    "images:\n  registries: [good.io]\n  requireDigest: true\nsecurity:\n" +
      "  forbidPrivileged: true\n  forbidHostNamespaces: true\n  forbidHostPath: true\n" +
      "tasks:\n  allowed: [ok]\n",
  );
  const t = task("bad", {
    steps: [
      { name: "a", image: "$(params.x)" },
      {
        name: "b",
        image: "evil.io/x",
        securityContext: { privileged: true, windowsOptions: { hostProcess: true } },
      },
    ],
    volumes: [{ name: "h", hostPath: { path: "/" } }],
  });
  for (const v of evaluatePolicy(p, [{ task: t, ref: "r" }], EMPTY_PIPELINE, "k")) {
    rules.add(v.rule);
  }
  assert.deepEqual([...rules].sort(), [
    "host-namespace",
    "host-path",
    "image-digest",
    "image-source",
    "image-unresolved",
    "privileged",
    "task-name",
  ]);
});

Deno.test("SARIF 2.1.0: rules, results with rule ids and file locations", async () => {
  const p = await policy("images:\n  registries: [good.io]\n");
  const violations = evaluatePolicy(
    p,
    [{
      task: task("t", { steps: [{ name: "s", image: "evil.io/x" }] }),
      ref: "c/t",
      file: "/repo/c/t/task.yaml",
    }],
    EMPTY_PIPELINE,
    "k",
  ).map((v) => ({ ...v, line: 12 }));
  // deno-lint-ignore no-explicit-any
  const log = sarifOf({ policy: "p.yaml", tasks: 1, violations }, "/repo") as any;
  assert.equal(log.version, "2.1.0");
  assert.match(log.$schema, /sarif-2\.1\.0/);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, "draconctl");
  const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
  assert.ok(ids.includes("image-source") && ids.includes("host-path"), ids.join());
  assert.equal(run.results.length, 1);
  const [result] = run.results;
  assert.equal(result.ruleId, "image-source");
  assert.equal(run.tool.driver.rules[result.ruleIndex].id, "image-source");
  assert.equal(result.level, "error");
  assert.match(result.message.text, /Task "t" step "s": image "evil\.io\/x"/);
  assert.deepEqual(result.locations[0].physicalLocation, {
    artifactLocation: { uri: "c/t/task.yaml" },
    region: { startLine: 12 },
  });
  assert.equal(typeof result.partialFingerprints["draconctl/v1"], "string");
  // Outside the working directory: an absolute file URI.
  // deno-lint-ignore no-explicit-any
  const outside = sarifOf({ policy: "p", tasks: 1, violations }, "/elsewhere") as any;
  assert.equal(
    outside.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri,
    "file:///repo/c/t/task.yaml",
  );
});

Deno.test("images.allowParameters: exactly $(params.<listed>) is an accepted exception", async () => {
  const p = await policy(
    "images:\n  registries: [good.io]\n  allowParameters: [git-clone-gitInitImage]\n",
  );
  assert.deepEqual(
    broken(
      p,
      images(
        "$(params.git-clone-gitInitImage)", // ok
        "$(params['git-clone-gitInitImage'])", // ok
        "$(params.other)",
        "evil.io/$(params.git-clone-gitInitImage)",
        "$(params.git-clone-gitInitImage)-x",
      ),
    ),
    [
      't2/step "s"/image-unresolved',
      't3/step "s"/image-unresolved',
      't4/step "s"/image-unresolved',
    ],
  );
  await assert.rejects(
    policy("images:\n  allowParameters: ['$(params.x)']\n"),
    /key "images\.allowParameters\.0" is not a param name/,
  );
});
