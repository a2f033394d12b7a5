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
function cannedFetch(input: string | URL | Request): Promise<Response> {
  const url = String(input instanceof Request ? input.url : input);
  if (url.endsWith("/huge/task.yaml")) {
    const chunk = new TextEncoder().encode("# padding ".repeat(1000));
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(chunk) }); // endless
    return Promise.resolve(new Response(body, { headers: { "content-type": "text/yaml" } }));
  }
  return Promise.resolve(new Response("not found", { status: 404, statusText: "Not Found" }));
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
  /** Whether the case needs the default fake fetcher (no network): in-process only. */
  fakeNetwork?: boolean;
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
];
