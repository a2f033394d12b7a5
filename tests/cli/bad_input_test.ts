/**
 * The bad-input set: each case under fixtures/bad/<case>/ runs through the
 * whole CLI (`pipelines deploy --dry-run`) and must fail with its documented
 * exit code and a message that names the input.
 */
import assert from "node:assert/strict";
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import type { Fetcher } from "../../src/fetch/fetcher.ts";
import { fixture, runCli } from "./_cli.ts";

/** A `fetch` that serves a few canned answers, for the real {@link HttpFetcher}. */
function cannedFetch(input: string | URL | Request): Promise<Response> {
  const url = String(input instanceof Request ? input.url : input);
  if (url.endsWith("/huge/task.yaml")) {
    const chunk = new TextEncoder().encode("# padding ".repeat(1000));
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(chunk) }); // endless
    return Promise.resolve(new Response(body, { headers: { "content-type": "text/yaml" } }));
  }
  return Promise.resolve(new Response("not found", { status: 404, statusText: "Not Found" }));
}

interface Case {
  name: string;
  exit: number;
  /** Substrings the error output must contain. */
  message: string[];
  args?: string[];
  fetcher?: Fetcher;
}

const CASES: Case[] = [
  { name: "yaml-syntax", exit: 3, message: ["kustomization.yaml:4:", "invalid YAML"] },
  { name: "task-yaml-syntax", exit: 3, message: ["task-yaml-syntax/task.yaml:5:", "invalid YAML"] },
  { name: "non-task", exit: 3, message: ["pipeline.yaml", '"Pipeline"'] },
  {
    name: "missing-label",
    exit: 3,
    message: ["missing-label/task.yaml", "v1.dracon.ocurity.com/component"],
  },
  { name: "unprefixed-param", exit: 3, message: ['"flags"', '"producer-p"'] },
  { name: "object-param", exit: 3, message: ['"producer-o-config"', "object"] },
  { name: "unknown-type", exit: 3, message: ['"scanner"'] },
  { name: "missing-file", exit: 4, message: ["does-not-exist.yaml"] },
  { name: "dir-without-task", exit: 4, message: ["empty-dir", "task.yaml"] },
  {
    name: "malformed-helm-ref",
    exit: 3,
    message: ["pkg:helm/dracon-oss-components/enrichers/reachability"],
  },
  { name: "http-url", exit: 3, message: ["http://tasks.example.com", "--allow-insecure-http"] },
  { name: "url-404", exit: 4, message: ["https://tasks.example.com/missing/task.yaml", "404"] },
  {
    name: "url-oversize",
    exit: 4,
    message: ["https://tasks.example.com/huge/task.yaml"],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
  },
  { name: "missing-name-suffix", exit: 3, message: ["kustomization.yaml", "nameSuffix"] },
  { name: "unknown-key", exit: 3, message: ["kustomization.yaml", "namePrefix"] },
  { name: "wrong-type", exit: 3, message: ["kustomization.yaml", "components"] },
  { name: "two-resources", exit: 3, message: ["kustomization.yaml", "resources"] },
  { name: "no-base", exit: 3, message: ['"base"'] },
  { name: "duplicate-component", exit: 3, message: ['"producer-golang-gosec"'] },
  { name: "empty-components", exit: 3, message: ["kustomization.yaml", "components"] },
  { name: "base-not-pipeline", exit: 3, message: ["base/task.yaml", "Pipeline"] },
  { name: "binary-garbage", exit: 3, message: ["garbage.yaml"] },
  { name: "two-documents", exit: 3, message: ["tasks.yaml", "2"] },
  { name: "long-name", exit: 3, message: ["long-name/task.yaml", "63"] },
  { name: "userinfo-url", exit: 3, message: ["tasks.example.com"] },
  { name: "no-kustomization", exit: 4, message: ["no-kustomization", "kustomization.yaml"] },
  { name: "alias-bomb", exit: 3, message: ["kustomization.yaml", "alias"] },
  {
    name: "unknown-flag",
    exit: 2,
    message: ["--frobnicate", "usage: draconctl pipelines deploy"],
    args: ["pipelines", "deploy", "x", "--frobnicate"],
  },
  {
    name: "missing-argument",
    exit: 2,
    message: ["kustomization", "usage: draconctl pipelines deploy"],
    args: ["pipelines", "deploy"],
  },
  {
    name: "bad-duration",
    exit: 2,
    message: ["--fetch-timeout", "soon"],
    args: ["pipelines", "deploy", "x", "--fetch-timeout", "soon"],
  },
  { name: "unknown-command", exit: 2, message: ["frobnicate"], args: ["frobnicate"] },
];

Deno.test("pipelines deploy --dry-run refuses bad input with a clear error and its exit code", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const args = c.args ?? ["pipelines", "deploy", fixture(`bad/${c.name}`), "--dry-run"];
      const result = await runCli(args, c.fetcher ? { fetcher: c.fetcher } : {});
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      assert.equal(result.stdout, "", "nothing is printed on stdout when the input is bad");
      assert.ok(result.stderr.startsWith("error: "), result.stderr);
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("s3cret"), "credentials never appear in messages");
      assert.ok(
        !result.stderr.includes("    at "),
        `no stack trace for bad input:\n${result.stderr}`,
      );
    });
  }
});
