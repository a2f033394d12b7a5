/**
 * The bad-input table: each case under fixtures/bad/<case>/ runs through the
 * whole CLI (`pipelines deploy --dry-run`) and must fail with its documented
 * exit code and a message that names the input. Run in-process by
 * bad_input_test.ts and as the shipped product by tests/e2e/.
 *
 * @module
 */
import {
  type ConfinedReader,
  DenoFileSystem,
  type FileSystem,
  type ReadScope,
} from "../../src/io/filesystem.ts";
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import type { Fetcher } from "../../src/fetch/fetcher.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { DRACON_ROOT, fixture } from "./_cli.ts";

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

/** A valid dry run, for cases about the files flags name: the corpus pipeline golang-project. */
const GOLANG = [
  "pipelines",
  "deploy",
  fixture("pipelines/golang-project"),
  "--base-dir",
  DRACON_ROOT,
  "--dry-run",
];

/** The real disk, except that `url-100kb/kustomization.yaml` reads with a 100 KB URL in it. */
class LongUrlFileSystem extends DenoFileSystem {
  override confine(scope: ReadScope): ConfinedReader {
    const reader = super.confine(scope);
    return {
      async readTextFile(path, options) {
        const text = await reader.readTextFile(path, options);
        return path.endsWith("url-100kb/kustomization.yaml")
          ? text.replace("LONG", "a".repeat(100_000))
          : text;
      },
      stat: (path) => reader.stat(path),
      readDir: (path) => reader.readDir(path),
      realPath: (path) => reader.realPath(path),
      close: () => reader.close(),
    };
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
  /** The whole error output is at most this long (input is quoted only as an excerpt). */
  maxStderrChars?: number;
  /** How many `error:` lines (one per problem, all reported at once). @default 1 */
  errorLines?: number;
  /** Environment variables the run sees (`DRACONCTL_<FLAG>`). @default none */
  env?: Record<string, string>;
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
  // components upgrade-check (issue 17): refused before any connection.
  {
    name: "upgrade-check-missing-chart",
    exit: 2,
    message: ['--chart "/nonexistent/chart.tgz": no such file or directory'],
    args: ["components", "upgrade-check", "--chart", "/nonexistent/chart.tgz", "--release", "r"],
  },
  {
    name: "upgrade-check-without-release",
    exit: 2,
    message: ["--release", "usage: draconctl components upgrade-check"],
    args: ["components", "upgrade-check", "--chart", "x.tgz"],
  },
  // The commands after a deploy (issue 15): refused before any connection.
  {
    name: "status-target-neither-path-nor-name",
    exit: 2,
    message: ['"Not_A/Name" is neither a kustomization', "pipelines list"],
    args: ["pipelines", "status", "Not_A/Name"],
  },
  {
    name: "delete-target-neither-path-nor-name",
    exit: 2,
    message: ['"UPPER" is neither a kustomization'],
    args: ["pipelines", "delete", "UPPER", "--prune-tasks"],
  },
  {
    name: "diff-missing-kustomization",
    exit: 4,
    message: ['Cannot load "no-such-kustomization": no such file or directory'],
    args: ["pipelines", "diff", "no-such-kustomization"],
  },
  {
    name: "list-output-format",
    exit: 2,
    message: ["-o, --output <format>", "wide"],
    args: ["pipelines", "list", "-o", "wide"],
  },
  {
    name: "components-list-extra-argument",
    exit: 2,
    message: ["too many arguments"],
    args: ["components", "list", "extra"],
  },
  {
    name: "run-bad-workspace",
    exit: 2,
    message: ["-w", "name=emptyDir", "output=tmpfs"],
    args: ["pipelines", "run", "p", "-w", "output=tmpfs"],
  },
  {
    name: "run-bad-param",
    exit: 2,
    message: ["--param", "key=value", "novalue"],
    args: ["pipelines", "run", "p", "-p", "novalue"],
  },
  {
    name: "run-bad-timeout",
    exit: 2,
    message: ["--timeout", "soon"],
    args: ["pipelines", "run", "p", "--timeout", "soon"],
  },
  {
    name: "run-dry-run-and-wait",
    exit: 2,
    message: ["--dry-run and --wait cannot be combined"],
    args: ["pipelines", "run", "p", "--dry-run", "--wait"],
  },
  {
    name: "run-target-neither-path-nor-name",
    exit: 2,
    message: ['"./no/such/Dir" is neither a kustomization nor a Pipeline name'],
    args: ["pipelines", "run", "./no/such/Dir"],
  },
  {
    name: "run-params-file-bad-value",
    exit: 2,
    message: ['--params-file "deno.json": param "compilerOptions": expected a string'],
    args: ["pipelines", "run", "p", "--params-file", "deno.json"],
  },
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

  // ---- issue 14, items 1 and 9: local files that are not regular files, or lead out of the scope.
  // (FIFOs and sockets need mkfifo/listen at run time: tests/cluster/bad_input_cluster_test.ts.)
  {
    name: "kustomization-dev-zero",
    exit: 4,
    message: ['"/dev/zero"', "not a regular file (a character device)"],
    args: ["pipelines", "deploy", "/dev/zero", "--dry-run"],
    withinMs: 2000,
  },
  {
    name: "kustomization-dev-null",
    exit: 4,
    message: ['"/dev/null"', "not a regular file (a character device)"],
    args: ["pipelines", "deploy", "/dev/null", "--dry-run"],
  },
  {
    name: "kustomization-system-path",
    exit: 4,
    message: ['"/dev/stdin"', "a system path"],
    args: ["pipelines", "deploy", "/dev/stdin", "--dry-run"],
  },
  { name: "kustomization-device", exit: 4, message: ['"/dev/zero"', "a character device"] },
  // Several kustomizations in one run (docs/multi.md).
  {
    name: "multi-task-conflict",
    exit: 3,
    message: [
      'Task "git-clone" differs between',
      "multi-task-conflict/one",
      "multi-task-conflict/two",
    ],
  },
  {
    name: "multi-pipeline-conflict",
    exit: 3,
    message: [
      "multi-pipeline-conflict/one and",
      "multi-pipeline-conflict/two both make pipeline.tekton.dev/dracon-same",
    ],
  },
  {
    name: "multi-directory-empty",
    exit: 4,
    message: [
      "multi-directory-empty",
      "directory has no kustomization.yaml, nor a subdirectory with one",
    ],
  },
  {
    name: "context-list-repeated",
    exit: 2,
    message: ['--context "a,a": empty or repeated context name'],
    args: ["--context", "a,a", "pipelines", "deploy", fixture("bad/multi-pipeline-conflict")],
  },
  {
    name: "multi-policy-report",
    exit: 2,
    message: ["--policy-report writes one report: it works with one kustomization and one context"],
    args: [
      "pipelines",
      "deploy",
      fixture("bad/multi-pipeline-conflict"),
      "--policy-report",
      "sarif=out.sarif",
    ],
  },
  {
    name: "all-contexts-with-context",
    exit: 2,
    message: ["--all-contexts and --context cannot be combined"],
    args: ["--context", "a", "pipelines", "deploy", "--all-contexts", "x"],
  },
  {
    name: "contexts-client-dry-run",
    exit: 2,
    message: ["--dry-run (client) contacts no cluster: it takes one context, not several"],
    args: [
      "--context",
      "a,b",
      "pipelines",
      "deploy",
      fixture("bad/multi-pipeline-conflict"),
      "--dry-run",
    ],
  },
  {
    name: "kustomization-too-large",
    exit: 4,
    message: ["yaml-syntax/kustomization.yaml", "larger than the limit of 10 bytes"],
    args: ["pipelines", "deploy", fixture("bad/yaml-syntax"), "--dry-run", "--max-body-size", "10"],
  },
  { name: "component-dev-zero", exit: 4, message: ['"/dev/zero"', "a character device"] },
  { name: "component-system-dir", exit: 4, message: ['"/dev"', "a system path"] },
  {
    name: "task-yaml-device",
    exit: 4,
    message: ["task-yaml-device/x/task.yaml", "not a regular file (a character device)"],
  },
  {
    name: "task-file-device",
    exit: 4,
    message: ["task-file-device/scanner.yaml", "not a regular file (a character device)"],
  },
  { name: "base-dev-zero", exit: 4, message: ['"/dev/zero"', "a character device"] },
  { name: "symlink-loop", exit: 4, message: ["symlink-loop/task.yaml", "symbolic links"] },
  {
    name: "values-dev-zero",
    exit: 2,
    message: ['-f/--values "/dev/zero"', "is not a regular file (a character device)"],
    args: [...GOLANG, "-f", "/dev/zero"],
  },
  {
    name: "values-symlink-device",
    exit: 2,
    message: ["io/dev-zero.yaml", "is not a regular file (a character device)"],
    args: [...GOLANG, "-f", fixture("io/dev-zero.yaml")],
  },
  {
    name: "values-directory",
    exit: 2,
    message: ["fixtures/io", "is a directory"],
    args: [...GOLANG, "-f", fixture("io")],
  },
  {
    name: "values-binary",
    exit: 3,
    message: ["binary-garbage/garbage.yaml", "NUL bytes"],
    args: [...GOLANG, "-f", fixture("bad/binary-garbage/garbage.yaml")],
  },
  // ---- issue 17: the image policy gate (docs/policy.md)
  {
    name: "policy-unknown-key",
    exit: 3,
    message: ["policy/unknown-key.yaml: line 5:", '"images.allowedRegistries"', "not part of"],
    args: [...GOLANG, "--policy", fixture("policy/unknown-key.yaml")],
  },
  {
    name: "policy-missing",
    exit: 4,
    message: ["policy/no-such-policy.yaml"],
    args: [...GOLANG, "--policy", fixture("policy/no-such-policy.yaml")],
  },
  {
    // The corpus Tasks rendered with the chart's defaults: ghcr.io and Docker Hub, by tag.
    name: "policy-violations",
    exit: 10,
    message: [
      'policy: Task "producer-golang-gosec" step "run-gosec": image "docker.io/securego/gosec:2.15.0"',
      "[image-source]",
      "[image-digest]",
      '"$(params.producer-golang-nancy-goImage)" is set at run time',
      "producers/golang-gosec/task.yaml:",
      "nothing was applied",
    ],
    args: [...GOLANG, "--policy", fixture("policy/private-registry.yaml")],
    errorLines: 36,
  },
  {
    // Checked before any work, as --output-file is.
    name: "policy-report-directory",
    exit: 2,
    message: ['--policy-report "', 'fixtures/bad": is a directory'],
    args: [
      ...GOLANG,
      "--policy",
      fixture("policy/only-base.yaml"),
      "--policy-report",
      `json=${fixture("bad")}`,
    ],
  },
  {
    name: "policy-report-format",
    exit: 2,
    message: ["--policy-report", "expected sarif=<file> or json=<file>"],
    args: [...GOLANG, "--policy-report", "xml=out.xml"],
  },
  {
    name: "policy-report-without-policy",
    exit: 2,
    message: ["--policy-report and --no-policy cannot be combined"],
    args: [...GOLANG, "--no-policy", "--policy-report", "sarif=out.sarif"],
  },
  // ---- issue 8: the reliability corpus (docs/reliability.md)
  {
    // A real 50 MiB (sparse) file: tests/cluster/bad_input_cluster_test.ts, "cluster-huge-file".
    name: "huge-file",
    exit: 4,
    message: ["huge-file/task.yaml", "file is 302 bytes, larger than the limit of 200 bytes"],
    flags: ["--load-restrictor", "none", "--max-body-size", "200"],
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
  {
    name: "url-without-host",
    exit: 3,
    message: ['"https:///task.yaml"', "no host", "hint: write the URL as https://<host>"],
  },
  {
    name: "url-100kb",
    exit: 3,
    message: ['"https://tasks.example.com/aaaa', "(100050 characters)", "unsupported fragment"],
    fs: new LongUrlFileSystem(),
    maxStderrChars: 500,
  },
  {
    // Under --load-restrictor none any file may be named; its content is quoted as an excerpt.
    name: "file-quoted-whole",
    exit: 3,
    message: ["/etc/passwd: expected a Task mapping", '"root:', "characters)"],
    maxStderrChars: 400,
  },
  // Flags checked up front (exit 2), before anything is read.
  ...flagCases([
    ["field-manager-empty", ["--field-manager", "non-empty"], ["--field-manager", ""]],
    ["field-manager-129-bytes", ["--field-manager", "at most 128 bytes, got 129"], [
      "--field-manager",
      "m".repeat(129),
    ]],
    ["field-manager-multibyte", ["--field-manager", "at most 128 bytes, got 130"], [
      "--field-manager",
      "é".repeat(65),
    ]],
    ["field-manager-control", ["--field-manager", "printable"], ["--field-manager", "a\nb"]],
    ["concurrency-too-high", ["--concurrency", "at most 256", '"100000"'], [
      "--concurrency",
      "100000",
    ]],
    ["duration-too-long", ["--request-timeout", "at most 24h", '"1000h"'], [
      "--request-timeout",
      "1000h",
    ]],
    ["duration-days", ["--fetch-timeout", '"1m30s"', '"2d"'], ["--fetch-timeout", "2d"]],
    ["duration-below-1ms", ["--fetch-timeout", "at least 1ms"], ["--fetch-timeout", "500us"]],
    ["duration-unit-only", ["--request-timeout", '"ms"'], ["--request-timeout", "ms"]],
    ["dry-run-with-only-validate", ["--dry-run=client and --only-validate cannot be combined"], [
      "--dry-run",
      "--only-validate",
    ]],
    ["dry-run-server-with-only-validate", ["--dry-run=server and --only-validate"], [
      "--dry-run=server",
      "--only-validate",
    ]],
    ["dry-run-output-text", ["-o text does not apply"], ["--dry-run", "-o", "text"]],
    ["values-file-missing", ["-f/--values", "/nonexistent/values.yaml", "no such file"], [
      "-f",
      "/nonexistent/values.yaml",
    ]],
    ["values-file-directory", ["-f/--values", "is a directory"], ["--values", "/tmp"]],
    ["values-file-device", ["-f/--values", '"/dev/null"', "not a regular file"], [
      "-f",
      "/dev/null",
    ]],
    ["helm-chart-missing", ["--helm-chart", "/nonexistent/chart.tgz", "no such file"], [
      "--dry-run",
      "--helm-chart",
      "r=/nonexistent/chart.tgz",
    ]],
  ]),
  ...[["Dracon", "uppercase"], ["my_ns", "underscore"], ["n".repeat(64), "64-characters"], [
    "-dracon",
    "leading-dash",
  ]].map(([namespace, what]) => ({
    name: `namespace-flag-${what}`,
    exit: 2,
    message: ["--namespace", "DNS-1123 label", `"${namespace}"`],
    args: ["-n", namespace!, "pipelines", "deploy", "x"],
  })),
  // --output-file checked before any work, and against every file the run read (exit 2).
  ...outputFileCases([
    ["output-file-empty", "", ['--output-file ""', "the path is empty"]],
    ["output-file-directory", fixture("bad"), ["--output-file", "is a directory"]],
    ["output-file-under-file", `${fixture("bad/output-is-input/kustomization.yaml")}/out.yaml`, [
      "cannot be created",
      'kustomization.yaml" is not a directory',
    ]],
    ["output-file-is-kustomization", fixture("bad/output-is-input/kustomization.yaml"), [
      "is an input of this run",
      "not overwriting it",
    ]],
    [
      "output-file-is-kustomization-dir-spelling",
      `${fixture("bad/output-is-input")}/./kustomization.yaml`,
      [
        "is an input of this run",
      ],
    ],
    // Known to be an input only once the kustomization is read: refused before anything is written.
    ["output-file-is-component", fixture("bad/output-is-input/base/task.yaml"), [
      "is an input of this run",
    ]],
    ["output-file-symlink-to-component", fixture("bad/output-is-input/link-to-task.yaml"), [
      "is an input of this run",
      'the same file as "',
      'base/task.yaml"',
    ]],
  ]),
  {
    name: "output-file-is-values-file",
    exit: 2,
    message: ["is an input of this run"],
    args: [
      "pipelines",
      "deploy",
      fixture("bad/output-is-input"),
      "--dry-run",
      "-f",
      fixture("bad/output-is-input/base/task.yaml"),
      "--output-file",
      fixture("bad/output-is-input/base/task.yaml"),
    ],
  },
  {
    name: "plain-http-without-push",
    exit: 2,
    message: ["--plain-http only works with --push", "hint: add --push"],
    args: ["components", "package", "x", "--name", "c", "--plain-http"],
  },

  // ---- issue 14, item 2: YAML beyond the core schema (src/yaml/_schema.ts)
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
  // The lock file (issue 17, docs/lock.md).
  {
    name: "lock-missing",
    exit: 4,
    message: ["lock-missing/draconctl.lock", "no such lock file", "pipelines lock"],
    flags: ["--locked", "--load-restrictor", "none"],
  },
  {
    name: "lock-stale",
    exit: 9,
    message: [
      'components/base": digest sha256:0000000000000000000000000000000000000000000000000000000000000000 in the lock, now sha256:',
      'components/base": Task as applied (none) in the lock, now sha256:',
      'components/gone": in the lock (sha256:0000',
      'golang-gosec": not in the lock (resolves to sha256:',
      'pipeline "dracon-x": digest sha256:0000',
    ],
    flags: ["--locked", "--load-restrictor", "none"],
    errorLines: 5,
  },
  {
    name: "lock-stale-check",
    exit: 9,
    message: ['components/base": digest sha256:0000', "writes the lock again"],
    args: ["pipelines", "lock", fixture("bad/lock-stale"), "--check", "--load-restrictor", "none"],
    errorLines: 5,
  },
  {
    name: "lock-malformed",
    exit: 3,
    message: [
      "lock-malformed/draconctl.lock",
      'apiVersion "draconctl.dracon.ocurity.com/v9"',
      "pipeline:",
    ],
    flags: ["--locked", "--load-restrictor", "none"],
    errorLines: 2,
  },
  {
    name: "lock-file-without-locked",
    exit: 2,
    message: ["--lock-file only works with --locked"],
    flags: ["--lock-file", "x.lock", "--load-restrictor", "none"],
  },
  // --locked on check and run (issue 17): the lock is read, and refused, before anything connects.
  {
    name: "check-lock-missing",
    exit: 4,
    message: ["lock-missing/draconctl.lock", "no such lock file", "pipelines lock"],
    args: ["pipelines", "check", fixture("bad/lock-missing"), "--locked"],
  },
  {
    name: "check-lock-file-without-locked",
    exit: 2,
    message: ["--lock-file only works with --locked", "add --locked"],
    args: ["pipelines", "check", fixture("bad/lock-stale"), "--lock-file", "x.lock"],
  },
  {
    name: "run-lock-malformed",
    exit: 3,
    message: ["lock-malformed/draconctl.lock", 'apiVersion "draconctl.dracon.ocurity.com/v9"'],
    args: ["pipelines", "run", fixture("bad/lock-malformed"), "--locked"],
    errorLines: 2,
  },
  {
    name: "run-lock-missing",
    exit: 4,
    message: ["x.lock", "no such lock file"],
    args: ["pipelines", "run", "dracon-x", "--locked", "--lock-file", "x.lock"],
  },
  {
    name: "run-lock-file-without-locked",
    exit: 2,
    message: ["--lock-file only works with --locked", "check the run against the lock file"],
    args: ["pipelines", "run", fixture("bad/lock-stale"), "--lock-file", "x.lock"],
  },
  {
    name: "run-locked-pipeline-name-without-lock-file",
    exit: 2,
    message: [
      '--locked with the Pipeline name "dracon-x" needs --lock-file',
      "pass the kustomization",
    ],
    args: ["pipelines", "run", "dracon-x", "--locked"],
  },
  {
    name: "base-pipeline-finally-run-after",
    exit: 3,
    message: [
      'Pipeline "dracon-x"',
      'spec.finally[0].runAfter: a finally task cannot have "runAfter"',
    ],
  },
  {
    name: "base-pipeline-when-operator",
    exit: 3,
    message: ['Pipeline "dracon-x"', 'when[0].operator: expected "in" or "notin", found "matches"'],
  },
  {
    name: "base-pipeline-array-in-string",
    exit: 3,
    message: ['Pipeline "dracon-x"', 'array param "channels" cannot be used whole'],
  },

  // ---- issue 15: the Go tool's spellings and DRACONCTL_<FLAG> variables (src/cli/env_flags.ts).
  {
    name: "env-bad-value",
    exit: 2,
    message: ['DRACONCTL_CONCURRENCY="lots"', "--concurrency"],
    args: [...GOLANG],
    env: { DRACONCTL_CONCURRENCY: "lots" },
  },
  {
    name: "env-bad-choice",
    exit: 2,
    message: ['DRACONCTL_OUTPUT="wide"', "text, json, yaml, name"],
    args: ["pipelines", "list"],
    env: { DRACONCTL_OUTPUT: "wide" },
  },
  {
    name: "env-bad-boolean",
    exit: 2,
    message: ['DRACONCTL_REQUIRE_DIGEST="yes"', "expected a boolean"],
    args: [...GOLANG],
    env: { DRACONCTL_REQUIRE_DIGEST: "yes" },
  },
  {
    name: "package-version-without-value",
    exit: 2,
    message: ['"components package --version" needs the app version', "draconctl --version"],
    args: ["components", "package", "--version", "--chart-version", "1.0.0", "-n", "c", "dir"],
  },
  {
    name: "ssa-and-field-manager",
    exit: 2,
    message: ["--field-manager (or the Go tool's --ssa) is given more than once"],
    args: ["pipelines", "deploy", "x", "--ssa", "a", "--field-manager", "b"],
  },
  {
    name: "url-kustomization-base-dir",
    exit: 2,
    message: ["--base-dir does not apply to a kustomization fetched from a URL"],
    args: ["pipelines", "deploy", "https://tasks.example.com/p", "--dry-run", "--base-dir", "."],
  },
  {
    name: "url-kustomization-http",
    exit: 3,
    message: ["http://tasks.example.com/p", "--allow-insecure-http"],
    args: ["pipelines", "deploy", "http://tasks.example.com/p", "--dry-run"],
  },
  {
    name: "url-kustomization-credentials",
    exit: 3,
    message: ["https://***@tasks.example.com/p", "credentials"],
    args: ["pipelines", "deploy", "https://u:secret@tasks.example.com/p", "--dry-run"],
  },
  {
    name: "url-kustomization-404",
    exit: 4,
    message: ["https://tasks.example.com/missing/kustomization.yaml", "404"],
    args: ["pipelines", "deploy", "https://tasks.example.com/missing", "--dry-run"],
    fakeNetwork: true,
  },
  {
    name: "url-kustomization-not-allowed-host",
    exit: 3,
    message: ["https://tasks.example.com/p/kustomization.yaml", "--allowed-hosts"],
    args: [
      "pipelines",
      "deploy",
      "https://tasks.example.com/p/kustomization.yaml",
      "--dry-run",
      "--allowed-hosts",
      "other.example.com",
    ],
    fakeNetwork: true,
  },

  // ---- --anchor-image (the anchor step's image): checked as an image reference, on every command.
  {
    name: "anchor-image-uppercase",
    exit: 2,
    message: ["--anchor-image", '"Registry.internal/BusyBox"', "repository name must be lowercase"],
    args: [...GOLANG, "--anchor-image", "Registry.internal/BusyBox"],
  },
  {
    name: "anchor-image-empty",
    exit: 2,
    message: ["--anchor-image", '""', "expected an image reference"],
    args: ["pipelines", "check", "x", "--anchor-image", ""],
  },
  {
    name: "anchor-image-short-digest",
    exit: 2,
    message: ["--anchor-image", "registry.internal/busybox@sha256:abc"],
    args: ["pipelines", "diff", "x", "--anchor-image", "registry.internal/busybox@sha256:abc"],
  },
  {
    name: "anchor-image-bad-tag",
    exit: 2,
    message: ["--anchor-image", '"busybox:a b"'],
    args: ["pipelines", "lock", "x", "--anchor-image", "busybox:a b"],
  },
  {
    name: "anchor-image-env",
    exit: 2,
    message: ['DRACONCTL_ANCHOR_IMAGE="busybox::1"', "--anchor-image"],
    args: [...GOLANG],
    env: { DRACONCTL_ANCHOR_IMAGE: "busybox::1" },
  },
];

/**
 * Usage errors of `pipelines deploy` flags, on the golden pipeline (no Task
 * there would need helm, so `-f` is checked for its own sake).
 */
function flagCases(cases: [string, string[], string[]][]): BadInputCase[] {
  return cases.map(([name, message, flags]) => ({
    name,
    exit: 2,
    message,
    args: ["pipelines", "deploy", fixture("pipelines/no-enrichers"), ...flags],
  }));
}

/** `--output-file <path>` on the dry run of a fixture whose files must never be overwritten. */
function outputFileCases(cases: [string, string, string[]][]): BadInputCase[] {
  return cases.map(([name, path, message]) => ({
    name,
    exit: 2,
    message,
    args: [
      "pipelines",
      "deploy",
      fixture("bad/output-is-input"),
      "--dry-run",
      "--output-file",
      path,
    ],
  }));
}
