/**
 * Parsing component references, as written in a kustomization's
 * `components`, into a {@link ComponentRef} before anything is read or
 * fetched.
 *
 * @module
 */
import { posix } from "node:path";
import { ComponentRefError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";
import type { ComponentRef } from "./component.ts";

/** Options of {@link parseComponentRef}. */
export interface ParseRefOptions {
  /**
   * Absolute directory that relative paths resolve against: the
   * kustomization's directory, or `--base-dir`.
   */
  baseDir: string;
  /** Whether `http://` URLs are accepted. @default false */
  allowInsecureHttp?: boolean;
  /**
   * The URL of a kustomization fetched from the network: relative paths
   * resolve against it (as URLs, never local files), absolute paths are
   * refused, and `..` may not lead above its directory unless
   * `allowOutsideBaseUrl` (`--load-restrictor none`).
   */
  baseUrl?: URL;
  /** Whether relative paths may resolve above {@link baseUrl}'s directory. @default false */
  allowOutsideBaseUrl?: boolean;
}

/** Helm's release-name rule: a DNS-1123 subdomain of at most 53 characters. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RELEASE_MAX = 53;
/** A DNS-1123 label of at most 63 characters (a Task name). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MAX = 63;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;
const DIGEST = /^sha256[=:]([0-9a-fA-F]{64})$/;
const HELM_SHAPE = '"helm://<release>/<task>" or "pkg:helm/<release>/<task>"';

/**
 * Parses one component reference. Pure: no file or network access.
 *
 * - `helm://<release>/<task>` (the design's form) and `pkg:helm/<release>/<task>`
 *   (the purl form the Dracon examples use): exactly two segments; the release
 *   follows Helm's rule (DNS-1123 subdomain, at most 53 characters), the Task
 *   name is a DNS-1123 label. The purl `@version`, `?qualifiers` and
 *   `#subpath` parts are refused rather than ignored: the cluster holds one
 *   installed release, so a version could never be honoured. As purl allows,
 *   slashes after `pkg:` and an upper-case type are accepted.
 * - `https://…`: a URL whose path ends with `/` or whose last segment has no
 *   `.yaml`/`.yml` extension gets `/task.yaml` appended. A fragment
 *   `#sha256=<hex>` or `#sha256:<hex>` pins the body's digest; any other
 *   fragment, userinfo (`user:pass@`), `http://` (unless `allowInsecureHttp`)
 *   and every other scheme are refused.
 * - Anything else is a local path; relative paths resolve against `baseDir`.
 *   A path whose first segment looks like a scheme (`a:b`) is taken for one;
 *   write `./a:b` for such a file.
 *
 * @example
 * ```ts
 * parseComponentRef("helm://dracon/git-clone", { baseDir: "/p" });
 * // { kind: "helm", raw: "helm://dracon/git-clone", release: "dracon", task: "git-clone" }
 * parseComponentRef("components/producers/brakeman", { baseDir: "/repo" });
 * // { kind: "file", raw: "components/producers/brakeman", path: "/repo/components/producers/brakeman" }
 * ```
 *
 * @throws {ComponentRefError} naming the reference (credentials redacted)
 */
export function parseComponentRef(raw: string, options: ParseRefOptions): ComponentRef {
  if (raw.trim() === "") throw new ComponentRefError(raw, "the reference is empty");
  if (raw !== raw.trim()) {
    throw new ComponentRefError(raw, "the reference has leading or trailing whitespace");
  }
  if (/^pkg:/i.test(raw)) return parsePurl(raw);
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return options.baseUrl
      ? parseRemotePath(raw, options.baseUrl, options)
      : parsePath(raw, options.baseDir);
  }
  if (scheme === "helm") return parseHelmUrl(raw);
  if (scheme === "https" || scheme === "http") return parseUrl(raw, options);
  throw new ComponentRefError(redactUrl(raw), `scheme "${scheme}:" is not supported`, {
    hint: scheme === "file"
      ? "write the local path without file://"
      : `use a local path, an https:// URL, or ${HELM_SHAPE}`,
  });
}

function parsePath(raw: string, baseDir: string): ComponentRef {
  if (raw.includes("\0")) throw new ComponentRefError(raw, "the path contains a NUL byte");
  const joined = posix.isAbsolute(raw) ? raw : posix.join(baseDir, raw);
  let path = posix.normalize(joined);
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return { kind: "file", raw, path };
}

/** A path in a kustomization fetched from `base`: a URL next to it, never a local file. */
function parseRemotePath(raw: string, base: URL, options: ParseRefOptions): ComponentRef {
  const shownBase = redactUrl(base.href);
  if (raw.startsWith("/") || raw.startsWith("~")) {
    throw new ComponentRefError(
      raw,
      `a kustomization fetched from ${shownBase} cannot name a local file`,
      { hint: "write the Task's https:// URL, or a path relative to the kustomization's URL" },
    );
  }
  const url = new URL(raw, base);
  const root = new URL(".", base);
  if (options.allowOutsideBaseUrl !== true && !url.href.startsWith(root.href)) {
    throw new ComponentRefError(
      raw,
      `the path leads outside ${redactUrl(root.href)}, the kustomization's URL directory`,
      {
        hint: "keep components under the kustomization's URL directory, " +
          'or pass "--load-restrictor none"',
      },
    );
  }
  return { ...parseUrl(url.href, options), raw };
}

function parseHelmUrl(raw: string): ComponentRef {
  const rest = raw.replace(/^helm:/i, "");
  if (!rest.startsWith("//")) {
    throw new ComponentRefError(raw, `expected ${HELM_SHAPE}`);
  }
  if (/[?#]/.test(rest)) {
    throw new ComponentRefError(raw, "a query or fragment is not supported", {
      hint: `write ${HELM_SHAPE}`,
    });
  }
  return helmRef(raw, rest.slice(2));
}

function parsePurl(raw: string): ComponentRef {
  const match = /^pkg:\/*([^/@?#]*)(.*)$/i.exec(raw);
  const type = match?.[1]?.toLowerCase();
  if (type !== "helm") {
    throw new ComponentRefError(raw, `only the purl type "helm" is supported`, {
      hint: `write ${HELM_SHAPE}`,
    });
  }
  const rest = match?.[2] ?? "";
  if (!rest.startsWith("/")) throw new ComponentRefError(raw, `expected ${HELM_SHAPE}`);
  const body = rest.slice(1);
  const extra = /[@?#]/.exec(body)?.[0];
  if (extra !== undefined) {
    const part = { "@": "a version", "?": "qualifiers", "#": "a subpath" }[extra];
    throw new ComponentRefError(raw, `${part} is not supported in a Helm reference`, {
      hint: "the Task installed by the release in the cluster is used; drop the " +
        `"${extra}…" part`,
    });
  }
  return helmRef(raw, body);
}

function helmRef(raw: string, body: string): ComponentRef {
  const segments = body.split("/");
  if (segments.length !== 2 || segments.some((s) => s === "")) {
    const hint = segments.length > 2
      ? `name the Task itself, not its place in a repository: ${HELM_SHAPE}`
      : `write ${HELM_SHAPE}`;
    throw new ComponentRefError(
      raw,
      `expected exactly two non-empty segments <release>/<task>, got ${segments.length}`,
      { hint },
    );
  }
  const [release, task] = segments as [string, string];
  if (release.length > RELEASE_MAX || !RELEASE_NAME.test(release)) {
    throw new ComponentRefError(
      raw,
      `release "${release}" is not a valid Helm release name ` +
        `(lowercase letters, digits, "-" and ".", at most ${RELEASE_MAX} characters)`,
    );
  }
  if (task.length > LABEL_MAX || !DNS_LABEL.test(task)) {
    throw new ComponentRefError(
      raw,
      `Task name "${task}" is not a valid DNS-1123 label ` +
        `(lowercase letters, digits and "-", at most ${LABEL_MAX} characters)`,
    );
  }
  return { kind: "helm", raw, release, task };
}

/** Whether a kustomization argument is a URL (`https://…`, or `http://…` to refuse or allow). */
export function isKustomizationUrl(argument: string): boolean {
  return /^https?:\/\//i.test(argument);
}

/**
 * Parses a kustomization argument that is a URL, by the rules of URL
 * components (no credentials, `http://` only when allowed, an optional
 * `#sha256=` pin); a URL not ending in `.yaml`/`.yml` names a directory
 * and gets `/kustomization.yaml` appended.
 *
 * @throws {ComponentRefError} naming the URL (credentials redacted)
 */
export function parseKustomizationUrl(
  raw: string,
  options: Pick<ParseRefOptions, "allowInsecureHttp">,
): Extract<ComponentRef, { kind: "url" }> {
  const ref = parseUrl(raw, { baseDir: "/", ...options }) as Extract<ComponentRef, { kind: "url" }>;
  const given = new URL(raw);
  if (/\.ya?ml$/i.test(given.pathname)) return ref;
  const url = new URL(ref.url);
  url.pathname = given.pathname.replace(/\/?$/, "/kustomization.yaml");
  return { ...ref, url };
}

function parseUrl(raw: string, options: ParseRefOptions): ComponentRef {
  const shown = redactUrl(raw);
  checkAuthority(raw, shown);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ComponentRefError(shown, "not a valid URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new ComponentRefError(shown, "URLs with credentials (user:password@) are refused", {
      hint: "serve the Task without credentials in the URL",
    });
  }
  if (url.protocol === "http:" && options.allowInsecureHttp !== true) {
    throw new ComponentRefError(shown, "plain http:// is refused", {
      hint: 'use an https:// URL, or pass "--allow-insecure-http" to allow http://',
    });
  }
  const sha256 = digestOf(url, raw, shown);
  url.hash = "";
  if (!/\.ya?ml$/i.test(url.pathname)) {
    url.pathname = url.pathname.replace(/\/?$/, "/task.yaml");
  }
  return sha256 === undefined ? { kind: "url", raw, url } : { kind: "url", raw, url, sha256 };
}

/**
 * Refuses a URL whose host is not written where it belongs, right after
 * `https://`: the URL standard reads `https:///task.yaml`, `https:/task.yaml`
 * and `https:task.yaml` as host "task.yaml", and a backslash as a slash.
 */
function checkAuthority(raw: string, shown: string): void {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1];
  const expected = { hint: "write the URL as https://<host>[:<port>]/<path>" };
  if (authority === undefined) {
    throw new ComponentRefError(shown, 'expected "//<host>" after the scheme', expected);
  }
  if (authority.includes("\\")) {
    throw new ComponentRefError(shown, "the host part contains a backslash", expected);
  }
  if (authority.replace(/^.*@/, "").replace(/:\d*$/, "") === "") {
    throw new ComponentRefError(shown, "the URL has no host", expected);
  }
}

function digestOf(url: URL, raw: string, shown: string): string | undefined {
  if (url.hash === "") {
    if (raw.includes("#")) throw new ComponentRefError(shown, "the URL has an empty fragment");
    return undefined;
  }
  const match = DIGEST.exec(url.hash.slice(1));
  if (match?.[1] === undefined) {
    throw new ComponentRefError(shown, `unsupported fragment "${url.hash}"`, {
      hint: 'the only fragment allowed is a digest pin, "#sha256=<64 hex digits>"',
    });
  }
  return match[1].toLowerCase();
}
