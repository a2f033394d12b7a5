/**
 * The bad-input table: each case under fixtures/bad/<case>/ runs through the
 * whole CLI (`pipelines deploy --dry-run`) and must fail with its documented
 * exit code and a message that names the input. Run in-process by
 * bad_input_test.ts and as the shipped product by tests/e2e/.
 *
 * @module
 */
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import type { Fetcher } from "../../src/fetch/fetcher.ts";
import { DenoFileSystem, type FileSystem, type PathInfo } from "../../src/io/filesystem.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { fixture } from "./_cli.ts";

const SERVED = "apiVersion: tekton.dev/v1beta1\nkind: Task\n";
/** sha256 of {@link SERVED}. */
const DIGEST_OF_SERVED = "f7dd3e68296ac9d86019279be5f40d0edc693849e3fda87849bb82dc8049be57";

/** The command line of a case. */
export function badInputArgs(c: BadInputCase): string[] {
  if (c.args !== undefined) return c.args;
  // Most fixtures read corpus Tasks from ../shared; the restrictor cases set their own flags.
  const flags = c.flags ?? ["--load-restrictor", "none"];
  return ["pipelines", "deploy", fixture(`bad/${c.name}`), "--dry-run", ...flags];
}

/** A `fetch` that serves a few canned answers, for the real {@link HttpFetcher}. */
function cannedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = String(input instanceof Request ? input.url : input);
  const yaml = { "content-type": "text/yaml" };
  const path = new URL(url).pathname;
  if (path === "/huge/task.yaml") {
    const chunk = new TextEncoder().encode("# padding ".repeat(1000));
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(chunk) }); // endless
    return Promise.resolve(new Response(body, { headers: yaml }));
  }
  if (path === "/redirect-other-host/task.yaml") {
    return Promise.resolve(
      new Response(null, {
        status: 302,
        headers: { location: "https://evil.example.net/task.yaml" },
      }),
    );
  }
  if (path === "/html/task.yaml") {
    return Promise.resolve(
      new Response("<!doctype html><title>x</title>", { headers: { "content-type": "text/html" } }),
    );
  }
  if (path === "/500/task.yaml") {
    return Promise.resolve(
      new Response("oops", { status: 500, statusText: "Internal Server Error" }),
    );
  }
  if (path === "/stall/task.yaml") return stalled(init?.signal); // headers never come
  if (path === "/endless-body/task.yaml") {
    // One small line every 20 ms, forever: under the size cap for minutes, so the timeout must end it.
    // As with the real fetch, aborting the request errors the body.
    const signal = init?.signal;
    const body = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (signal?.aborted) c.error(signal.reason);
        else c.enqueue(new TextEncoder().encode("# more\n"));
      },
    });
    return Promise.resolve(new Response(body, { headers: yaml }));
  }
  if (path === "/not-utf8/task.yaml") {
    return Promise.resolve(
      new Response(new Uint8Array([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), { headers: yaml }),
    );
  }
  return Promise.resolve(new Response("not found", { status: 404, statusText: "Not Found" }));
}

function stalled(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
}

/** 50 MiB, as the {@link HugeFileSystem} reports the size of `huge-file/task.yaml`. */
const FIFTY_MIB = 50 * 1024 * 1024;

/**
 * The real disk, except that `huge-file/task.yaml` has a size of 50 MiB and
 * must never be read: the loader has to refuse it from its `stat` alone.
 */
class HugeFileSystem extends DenoFileSystem {
  override async stat(path: string): Promise<PathInfo | undefined> {
    const info = await super.stat(path);
    return info && path.endsWith("huge-file/task.yaml") ? { ...info, size: FIFTY_MIB } : info;
  }
  override readTextFile(path: string): Promise<string> {
    if (path.endsWith("huge-file/task.yaml")) throw new Error(`${path} was read despite its size`);
    return super.readTextFile(path);
  }
}

/** One bad input and what the CLI must answer. */
export interface BadInputCase {
  name: string;
  exit: number;
  /** Substrings the error output must contain. */
  message: string[];
  /** The whole command line; default: `pipelines deploy fixtures/bad/<name> --dry-run`. */
  args?: string[];
  /** Flags added to the default command line. */
  flags?: string[];
  /** The fetcher to inject; such cases only run in-process. */
  fetcher?: Fetcher;
  /** The filesystem to inject; such cases only run in-process. */
  fs?: FileSystem;
  /** The run must end within this many milliseconds. @default 5000 */
  withinMs?: number;
  /** Whether the case needs the default fake fetcher (no network): in-process only. */
  fakeNetwork?: boolean;
  /** How many `error:` lines (one per problem, all reported at once). @default 1 */
  errorLines?: number;
}

/** The cases. Fixtures reference corpus Tasks in ../shared, outside their directory. */
export const BAD_INPUT_CASES: BadInputCase[] = [
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
  {
    name: "url-404",
    exit: 4,
    message: ["https://tasks.example.com/missing/task.yaml", "404"],
    fakeNetwork: true,
  },
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
  {
    name: "helm-chart-malformed",
    exit: 2,
    message: ["--helm-chart", "<release>=<chart>", "chart.tgz"],
    args: ["pipelines", "deploy", "x", "--dry-run", "--helm-chart", "chart.tgz"],
  },
  {
    name: "helm-chart-without-dry-run",
    exit: 2,
    message: ["--helm-chart only works with --dry-run"],
    args: [
      "pipelines",
      "deploy",
      "fixtures/pipelines/golang-project",
      "--helm-chart",
      "r=chart.tgz",
    ],
  },
  {
    name: "path-escape",
    exit: 3,
    message: ["../long-name/task.yaml", "outside the base directory", "--load-restrictor none"],
    flags: [],
  },
  {
    name: "absolute-path",
    exit: 3,
    message: ["/etc/passwd", "outside the base directory"],
    flags: [],
  },
  {
    name: "symlink-escape",
    exit: 3,
    message: ["symlink-escape/task.yaml", "symlink", "long-name/task.yaml"],
    flags: [],
  },
  {
    name: "url-unpinned",
    exit: 3,
    message: ["https://tasks.example.com/sources/git/task.yaml", "--require-digest", "#sha256="],
    flags: ["--require-digest"],
  },
  {
    name: "url-other-host",
    exit: 3,
    message: ["https://tasks.example.net/sources/git/task.yaml", '"tasks.example.com"'],
    flags: ["--allowed-hosts", "tasks.example.com"],
  },
  {
    name: "digest-mismatch",
    exit: 4,
    message: [
      "https://tasks.example.com/sources/git/task.yaml",
      `expected "${"0".repeat(64)}"`,
      `got "${DIGEST_OF_SERVED}"`,
    ],
    fetcher: new FakeFetcher({ "https://tasks.example.com/sources/git/task.yaml": SERVED }),
  },
  {
    name: "bad-load-restrictor",
    exit: 2,
    message: ["--load-restrictor", "sometimes"],
    args: ["pipelines", "deploy", "x", "--load-restrictor", "sometimes"],
  },

  // ---- issue 8: the reliability corpus (docs/reliability.md)
  {
    name: "huge-file",
    exit: 4,
    message: ["huge-file/task.yaml", `${FIFTY_MIB} bytes`, "--max-body-size"],
    fs: new HugeFileSystem(),
    withinMs: 1000,
  },
  {
    name: "task-alias-bomb",
    exit: 3,
    message: ["task-alias-bomb/task.yaml", "alias"],
    withinMs: 2000,
  },
  { name: "task-no-name", exit: 3, message: ["task-no-name/task.yaml", "metadata.name"] },
  { name: "task-bad-name", exit: 3, message: ["task-bad-name/task.yaml", '"Producer_Scan"'] },
  { name: "task-not-mapping", exit: 3, message: ["task-not-mapping/task.yaml"] },
  { name: "task-empty-file", exit: 3, message: ["task-empty-file/task.yaml", "no YAML document"] },
  { name: "task-duplicate-key", exit: 3, message: ["task-duplicate-key/task.yaml:5:"] },
  { name: "task-no-steps", exit: 3, message: ["task-no-steps/task.yaml", "steps"] },
  { name: "wrong-type-name-suffix", exit: 3, message: ["kustomization.yaml", '"nameSuffix"'] },
  { name: "wrong-type-namespace", exit: 3, message: ["kustomization.yaml", '"namespace"'] },
  { name: "wrong-type-resources", exit: 3, message: ["kustomization.yaml", '"resources"'] },
  {
    name: "wrong-type-component-item",
    exit: 3,
    message: ["kustomization.yaml", '"components.1"', "mapping"],
  },
  { name: "kustomization-not-mapping", exit: 3, message: ["kustomization.yaml", "mapping"] },
  { name: "kustomization-empty", exit: 3, message: ["kustomization.yaml", "no YAML document"] },
  { name: "bad-namespace", exit: 3, message: ["kustomization.yaml", '"Dracon_Prod"'] },
  { name: "bad-kind", exit: 3, message: ["kustomization.yaml", '"Deployment"'] },
  { name: "base-is-helm", exit: 3, message: ['"helm://dracon/pipeline"', "file or URL"] },
  { name: "base-missing", exit: 4, message: ["no-such-pipeline.yaml"] },
  { name: "helm-ref-bad-release", exit: 3, message: ['"helm://Dracon_OSS/git-clone"', "release"] },
  { name: "helm-ref-query", exit: 3, message: ["helm://dracon-oss-components/git-clone?version"] },
  {
    name: "helm-ref-long-task",
    exit: 3,
    message: ["helm://dracon-oss-components/producer-", "63"],
  },
  { name: "purl-version", exit: 3, message: ["pkg:helm/dracon-oss-components/git-clone@0.9.0"] },
  { name: "ftp-url", exit: 3, message: ["ftp://tasks.example.com/task.yaml", '"ftp:"'] },
  {
    name: "url-bad-fragment",
    exit: 3,
    message: ["https://tasks.example.com/sources/git", "#main"],
  },
  { name: "long-pipeline-name", exit: 3, message: ['"dracon-aaaa', "63"] },
  {
    name: "url-redirect-other-host",
    exit: 4,
    message: ["https://tasks.example.com/redirect-other-host/task.yaml", '"evil.example.net"'],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
  },
  {
    name: "url-html",
    exit: 4,
    message: ["https://tasks.example.com/html/task.yaml", "HTML"],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
  },
  {
    name: "url-500",
    exit: 4,
    message: ["https://tasks.example.com/500/task.yaml", "HTTP 500"],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
  },
  {
    name: "url-stall",
    exit: 4,
    message: ["https://tasks.example.com/stall/task.yaml", "timed out after 200 ms"],
    args: [
      "pipelines",
      "deploy",
      fixture("bad/url-stall"),
      "--dry-run",
      "--load-restrictor",
      "none",
      "--fetch-timeout",
      "200ms",
    ],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
    withinMs: 1500,
  },
  {
    name: "url-endless-body",
    exit: 4,
    message: ["https://tasks.example.com/endless-body/task.yaml", "timed out after 300 ms"],
    args: [
      "pipelines",
      "deploy",
      fixture("bad/url-endless-body"),
      "--dry-run",
      "--load-restrictor",
      "none",
      "--fetch-timeout",
      "300ms",
    ],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
    withinMs: 1500,
  },
  {
    name: "url-not-utf8",
    exit: 4,
    message: ["https://tasks.example.com/not-utf8/task.yaml", "UTF-8"],
    fetcher: new HttpFetcher(cannedFetch as typeof fetch),
  },
  {
    name: "namespace-mismatch",
    exit: 2,
    message: ['"other"', '"dracon"', "--namespace"],
    args: [
      "-n",
      "other",
      "pipelines",
      "deploy",
      fixture("bad/namespace-mismatch"),
      "--load-restrictor",
      "none",
    ],
  },
  {
    name: "concurrency-zero",
    exit: 2,
    message: ["--concurrency", '"0"'],
    args: ["pipelines", "deploy", "x", "--concurrency", "0"],
  },
  {
    name: "concurrency-not-a-number",
    exit: 2,
    message: ["--concurrency", '"many"'],
    args: ["pipelines", "deploy", "x", "--concurrency", "many"],
  },
  {
    name: "fetch-timeout-zero",
    exit: 2,
    message: ["--fetch-timeout", '"0s"'],
    args: ["pipelines", "deploy", "x", "--fetch-timeout", "0s"],
  },
  {
    name: "fetch-timeout-negative",
    exit: 2,
    message: ["--fetch-timeout", '"-5s"'],
    args: ["pipelines", "deploy", "x", "--fetch-timeout", "-5s"],
  },
  {
    name: "max-body-size-unit",
    exit: 2,
    message: ["--max-body-size", '"1GB"'],
    args: ["pipelines", "deploy", "x", "--max-body-size", "1GB"],
  },
  {
    name: "request-timeout-bad",
    exit: 2,
    message: ["--request-timeout", '"forever"'],
    args: ["pipelines", "deploy", "x", "--request-timeout", "forever"],
  },
  {
    name: "dry-run-mode-bad",
    exit: 2,
    message: ["--dry-run", "cluster"],
    args: ["pipelines", "deploy", "x", "--dry-run=cluster"],
  },
  {
    name: "output-format-bad",
    exit: 2,
    message: ["xml"],
    args: ["pipelines", "deploy", "x", "-o", "xml"],
  },
  {
    name: "allowed-hosts-bad",
    exit: 2,
    message: ["--allowed-hosts", '"https://x"'],
    args: ["pipelines", "deploy", "x", "--allowed-hosts", "https://x"],
  },

  // ---- issue 14, item 2: YAML beyond the core schema (src/tekton/_yaml_schema.ts)
  {
    name: "yaml-binary-tag",
    exit: 3,
    message: ["yaml-binary-tag/task.yaml:9:", 'tag "!!binary"', "core schema"],
  },
  { name: "yaml-set-tag", exit: 3, message: ["yaml-set-tag/task.yaml:5:", 'tag "!!set"'] },
  { name: "yaml-custom-tag", exit: 3, message: ["yaml-custom-tag/task.yaml:9:", 'tag "!Ref"'] },
  {
    name: "yaml-timestamp-tag",
    exit: 3,
    message: ["yaml-timestamp-tag/task.yaml:7:", 'tag "!!timestamp"'],
  },
  {
    name: "yaml-lenient-tag",
    exit: 3,
    message: ["yaml-lenient-tag/task.yaml:13:", 'tag "!!binary"'],
  },
  {
    name: "yaml-lenient-merge",
    exit: 3,
    message: ["yaml-lenient-merge/task.yaml:9:", 'merge key "<<"'],
  },
  {
    name: "yaml-merge-conflict",
    exit: 3,
    message: ["yaml-merge-conflict/task.yaml:12:", '"image"', 'put "<<" first'],
  },
  { name: "yaml-merge-scalar", exit: 3, message: ["yaml-merge-scalar/task.yaml:9:", '"<<"'] },
  {
    name: "kustomization-custom-tag",
    exit: 3,
    message: ["kustomization-custom-tag/kustomization.yaml:1:", 'tag "!suffix"'],
  },
  {
    name: "kustomization-merge-conflict",
    exit: 3,
    message: ["kustomization-merge-conflict/kustomization.yaml:3:", '"nameSuffix"'],
  },
  {
    name: "base-pipeline-binary-tag",
    exit: 3,
    message: ["base-pipeline-binary-tag/pipeline.yaml:5:", 'tag "!!binary"'],
  },

  // ---- issue 14, item 3: what Tekton's webhook refuses (src/tekton/task_rules.ts, pipeline_rules.ts)
  {
    name: "tekton-image-number",
    exit: 3,
    message: ["tekton-image-number/task.yaml", "spec.steps[0].image", "number 123"],
  },
  {
    name: "tekton-duplicate-steps",
    exit: 3,
    message: ["tekton-duplicate-steps/task.yaml", 'step name "run" is used more than once'],
  },
  {
    name: "tekton-step-bad-name",
    exit: 3,
    message: ["tekton-step-bad-name/task.yaml", '"Run_It" is not a DNS-1123 label'],
  },
  { name: "tekton-no-image", exit: 3, message: ["tekton-no-image/task.yaml", "needs an image"] },
  {
    name: "tekton-script-and-command",
    exit: 3,
    message: ["tekton-script-and-command/task.yaml", '"script" cannot be used with "command"'],
  },
  {
    name: "tekton-undeclared-param",
    exit: 3,
    message: ["tekton-undeclared-param/task.yaml", '"$(params.producer-undeclared-flags)"'],
  },
  {
    name: "tekton-undeclared-result",
    exit: 3,
    message: ["tekton-undeclared-result/task.yaml", '"$(results.report.path)"'],
  },
  {
    name: "tekton-duplicate-workspaces",
    exit: 3,
    message: ["tekton-duplicate-workspaces/task.yaml", 'workspace name "output" must be unique'],
    errorLines: 2, // the name and its mount path
  },
  {
    name: "tekton-array-param-in-script",
    exit: 3,
    message: ["tekton-array-param-in-script/task.yaml", 'array param "producer-arr-flags"'],
  },
  {
    name: "tekton-bad-on-error",
    exit: 3,
    message: ["tekton-bad-on-error/task.yaml", '"ignore" is not "continue" or "stopAndFail"'],
  },
  {
    name: "tekton-all-problems",
    exit: 3,
    message: [
      "tekton-all-problems/task.yaml",
      "number 123",
      "used more than once",
      "$(params.nope)",
    ],
    errorLines: 6,
  },
  {
    name: "base-pipeline-task-base",
    exit: 3,
    message: ['Pipeline "dracon-x"', 'pipeline task name "base" is used more than once'],
  },
  {
    name: "base-pipeline-run-after-unknown",
    exit: 3,
    message: ['Pipeline "dracon-x"', '"notify" depends on "report"'],
  },
  {
    name: "base-pipeline-undeclared-param",
    exit: 3,
    message: ['Pipeline "dracon-x"', '"$(params.channel)"'],
  },
  {
    name: "base-pipeline-undeclared-workspace",
    exit: 3,
    message: ['Pipeline "dracon-x"', 'declares no workspace "shared"'],
  },
];
