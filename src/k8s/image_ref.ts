/**
 * Container image references as the kubelet's runtime reads them: Docker's
 * reference grammar (`github.com/distribution/reference`), normalized as
 * `ParseNormalizedNamed` normalizes them — `docker.io` when no registry is
 * written, `library/` before a single-name Docker Hub image,
 * `index.docker.io` read as `docker.io`, a registry recognised by a `.`, a
 * `:port` or the name `localhost` (or an uppercase first component).
 *
 * A hand port, not a regular expression: the grammar's expressions are
 * written for Go's linear-time engine, and the npm port that runs them on
 * JavaScript's backtracking engine (`@swimlane/docker-reference`) takes
 * minutes on a 20-character invalid name. Each part is checked on its own
 * with expressions that cannot backtrack badly, and the input is bounded.
 *
 * @module
 */

/** A parsed, normalized image reference. */
export interface ImageRef {
  /** The registry host (and `:port`) as written, `docker.io` when none is. */
  registry: string;
  /** The repository path on the registry (`library/alpine`). */
  path: string;
  /** `registry/path`: what the runtime pulls, without tag or digest. */
  name: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
}

/** Docker Hub, the registry of a reference that names none. */
export const DEFAULT_REGISTRY = "docker.io";
const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
const OFFICIAL_PREFIX = "library/";
/** The longest repository path (`RepositoryNameTotalLengthMax`). */
export const MAX_PATH_LENGTH = 255;
/** Longer input is refused before any expression runs. */
const MAX_INPUT_LENGTH = 4096;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;
/** The algorithms go-digest registers with Go's standard library, and their hex lengths. */
const DIGEST_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** Why a reference does not parse; `message` says it in one line. */
export class ImageRefError extends Error {
  constructor(readonly reference: string, reason: string) {
    super(reason);
    this.name = "ImageRefError";
  }
}

/**
 * Parses and normalizes an image reference (`ParseNormalizedNamed`).
 *
 * @example
 * ```ts
 * parseImageRef("alpine:3.20").name; // "docker.io/library/alpine"
 * parseImageRef("localhost:5000/x@sha256:" + "f".repeat(64)).registry; // "localhost:5000"
 * ```
 *
 * @throws {ImageRefError} when the reference is not one
 */
export function parseImageRef(reference: string): ImageRef {
  const fail = (reason: string): never => {
    throw new ImageRefError(reference, reason);
  };
  if (reference === "") fail("repository name must have at least one component");
  if (reference.length > MAX_INPUT_LENGTH) fail("invalid reference format (too long)");
  if (IDENTIFIER.test(reference)) {
    fail("cannot specify 64-byte hexadecimal strings as a repository name");
  }
  const [registry, remainder] = splitRegistry(reference);
  const tagAt = remainder.indexOf(":");
  const remote = tagAt === -1 ? remainder : remainder.slice(0, tagAt);
  if (remote.toLowerCase() !== remote) fail("repository name must be lowercase");
  return parseQualified(`${registry}/${remainder}`, fail);
}

/** `splitDockerDomain`: the registry and the rest, Docker Hub's defaults applied. */
function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf("/");
  if (slash === -1) return [DEFAULT_REGISTRY, OFFICIAL_PREFIX + name];
  const first = name.slice(0, slash);
  let rest = name.slice(slash + 1);
  let registry: string;
  if (first === "localhost" || /[.:]/.test(first) || first.toLowerCase() !== first) {
    registry = first === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : first;
  } else {
    registry = DEFAULT_REGISTRY;
    rest = name;
  }
  if (registry === DEFAULT_REGISTRY && !rest.includes("/")) rest = OFFICIAL_PREFIX + rest;
  return [registry, rest];
}

/**
 * `Parse` of `registry/path[:tag][@digest]`, the grammar's
 * `name [":" tag] ["@" digest]` with `name := domain "/" remote-name`.
 */
function parseQualified(text: string, fail: (reason: string) => never): ImageRef {
  const at = text.indexOf("@");
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const named = at === -1 ? text : text.slice(0, at);
  const lastSlash = named.lastIndexOf("/");
  const colon = named.indexOf(":", lastSlash + 1);
  const tag = colon === -1 ? undefined : named.slice(colon + 1);
  const name = colon === -1 ? named : named.slice(0, colon);
  const slash = name.indexOf("/");
  const registry = name.slice(0, slash);
  const path = name.slice(slash + 1);
  if (!isRegistry(registry)) fail("invalid reference format");
  if (!path.split("/").every((c) => PATH_COMPONENT.test(c))) {
    const lowered = path.toLowerCase();
    fail(
      lowered !== path && lowered.split("/").every((c) => PATH_COMPONENT.test(c))
        ? "repository name must be lowercase"
        : "invalid reference format",
    );
  }
  if (tag !== undefined && !TAG.test(tag)) fail("invalid reference format");
  if (path.length > MAX_PATH_LENGTH) {
    fail(`repository name must not be more than ${MAX_PATH_LENGTH} characters`);
  }
  const ref: ImageRef = { registry, path, name };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = checkDigest(digest, fail);
  return ref;
}

/** A registry host (`domain-name`, IPv4 or `[IPv6]`) with an optional `:port`. */
export function isRegistry(text: string): boolean {
  let host = text;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return false;
    host = text.slice(0, close + 1);
    const port = text.slice(close + 1);
    if (port !== "" && !(port.startsWith(":") && PORT.test(port.slice(1)))) return false;
    return IPV6.test(host);
  }
  const colon = text.indexOf(":");
  if (colon !== -1) {
    host = text.slice(0, colon);
    if (!PORT.test(text.slice(colon + 1))) return false;
  }
  return host.split(".").every((c) => DOMAIN_COMPONENT.test(c));
}

/** `digest.Parse`: a registered algorithm and its hex of the right length. */
function checkDigest(digest: string, fail: (reason: string) => never): string {
  const colon = digest.indexOf(":");
  const algorithm = colon === -1 ? "" : digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon === -1 || !DIGEST_ALGORITHM.test(algorithm) || !/^[0-9a-fA-F]{32,}$/.test(hex)) {
    fail("invalid reference format");
  }
  const length = DIGEST_LENGTHS[algorithm];
  if (length === undefined) fail(`unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== length) fail("invalid checksum digest length");
  if (!/^[a-f0-9]+$/.test(hex)) fail("invalid checksum digest format");
  return digest;
}

/** The reference written back in full (`docker.io/library/alpine:3.20`). */
export function formatImageRef(ref: ImageRef): string {
  return ref.name + (ref.tag === undefined ? "" : `:${ref.tag}`) +
    (ref.digest === undefined ? "" : `@${ref.digest}`);
}
