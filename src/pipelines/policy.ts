/**
 * The policy file of `--policy` (docs/policy.md): which images, containers,
 * volumes and Task names a deploy may contain. Version 1 is
 * `apiVersion: draconctl.dracon.ocurity.com/v1`, `kind: Policy`; every key is
 * checked, and an unknown or mistyped one is refused with the file and line.
 *
 * @module
 */
import { DraconError, ExitCode } from "../errors.ts";
import type { FileReader } from "../io/filesystem.ts";
import { checkText, readInputFile } from "../io/read_input.ts";
import { DEFAULT_REGISTRY, isRegistry } from "../k8s/image_ref.ts";
import { isMapping, lineOfPath, parseYamlDocuments } from "../yaml/yaml.ts";

/** The `apiVersion` of version 1 of the format. */
export const POLICY_API_VERSION = "draconctl.dracon.ocurity.com/v1";
/** The `kind` of a policy file. */
export const POLICY_KIND = "Policy";
/** The file read beside the kustomization when no `--policy` is given. */
export const DEFAULT_POLICY_FILE = "draconctl-policy.yaml";

/** A repository pattern: registry, then path segments (`*` in a segment, `**` for the rest). */
export interface RepositoryPattern {
  /** As written in the file. */
  raw: string;
  registry: string;
  segments: string[];
}

/** A policy, read and checked. */
export interface Policy {
  /** The file it was read from. */
  file: string;
  images: {
    /** Registry hosts (lowercase, `:port` kept) any repository of which is allowed. */
    registries: string[];
    repositories: RepositoryPattern[];
    requireDigest: boolean;
    /**
     * Params whose value may be an image (`image: $(params.<name>)`), set
     * at run time and accepted unchecked: an explicit exception.
     */
    allowParameters: string[];
  };
  security: {
    forbidPrivileged: boolean;
    forbidHostNamespaces: boolean;
    forbidHostPath: boolean;
  };
  /** Task name patterns (`*` any characters), or `undefined`: any name. */
  tasks: { allowed: string[] | undefined };
}

/** A policy file that cannot be read or is not a valid policy (exit 3, as other input). */
export class PolicyFileError extends DraconError {
  override readonly exitCode = ExitCode.invalidInput;
  constructor(readonly file: string, reason: string, options: { hint?: string } = {}) {
    super(`${file}: ${reason}`, options);
  }
}

/** Whether a policy restricts images at all (then unresolvable images are violations). */
export function restrictsImages(policy: Policy): boolean {
  const { registries, repositories, requireDigest } = policy.images;
  return registries.length > 0 || repositories.length > 0 || requireDigest;
}

/**
 * Reads a policy file through `fs`.
 *
 * @throws {LoadError} when it cannot be read
 * @throws {PolicyFileError | ManifestSyntaxError} when it is not a valid policy
 */
export async function readPolicy(
  path: string,
  fs: FileReader,
): Promise<Policy> {
  const text = await readInputFile(fs, path, {
    maxBytes: 1024 * 1024,
    tooLargeHint: "a policy is a few lines",
  });
  checkText(text, path);
  return await parsePolicy(text, path);
}

const SECTIONS: Record<string, readonly string[]> = {
  "": ["apiVersion", "kind", "images", "security", "tasks"],
  images: ["registries", "repositories", "requireDigest", "allowParameters"],
  security: ["forbidPrivileged", "forbidHostNamespaces", "forbidHostPath"],
  tasks: ["allowed"],
};

/**
 * Parses a policy file's text.
 *
 * @example
 * ```ts
 * const policy = await parsePolicy(
 *   "apiVersion: draconctl.dracon.ocurity.com/v1\nkind: Policy\n" +
 *     "images:\n  registries: [registry.internal.example]\n",
 *   "policy.yaml",
 * );
 * policy.images.registries; // ["registry.internal.example"]
 * ```
 *
 * @throws {PolicyFileError} naming `file`, the key and its line
 */
export async function parsePolicy(text: string, file: string): Promise<Policy> {
  const docs = await parseYamlDocuments(text, file);
  if (docs.length !== 1) {
    throw new PolicyFileError(file, `holds ${docs.length} YAML documents, expected one policy`);
  }
  const value = docs[0]!.value;
  const fail = (path: (string | number)[], reason: string, onKey = false): never => {
    const line = lineOfPath(text, path, onKey);
    throw new PolicyFileError(
      file,
      `${line === undefined ? "" : `line ${line}: `}key "${path.join(".")}" ${reason}`,
      { hint: "see docs/policy.md for the format" },
    );
  };
  if (!isMapping(value)) {
    throw new PolicyFileError(file, `expected a mapping, got ${typeOf(value)}`);
  }
  const section = (key: string): Record<string, unknown> => {
    const v = key === "" ? value : value[key];
    if (v === undefined || v === null) return {};
    if (!isMapping(v)) return fail([key], `must be a mapping, got ${typeOf(v)}`);
    for (const k of Object.keys(v)) {
      if (!SECTIONS[key]!.includes(k)) {
        const path = key === "" ? [k] : [key, k];
        fail(
          path,
          `is not part of the policy format: expected one of ${SECTIONS[key]!.join(", ")}`,
          true,
        );
      }
    }
    return v;
  };
  const root = section("");
  const header = [["apiVersion", POLICY_API_VERSION], ["kind", POLICY_KIND]] as const;
  for (const [key, expected] of header) {
    if (root[key] !== expected) fail([key], `must be "${expected}", got ${typeOf(root[key])}`);
  }
  const images = section("images");
  const security = section("security");
  const tasks = section("tasks");
  const bool = (s: string, v: Record<string, unknown>, key: string): boolean => {
    const x = v[key];
    if (x === undefined || x === null) return false;
    if (typeof x !== "boolean") return fail([s, key], `must be true or false, got ${typeOf(x)}`);
    return x;
  };
  const strings = (s: string, v: Record<string, unknown>, key: string): string[] | undefined => {
    const x = v[key];
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x)) return fail([s, key], `must be a list of strings, got ${typeOf(x)}`);
    x.forEach((item, i) => {
      if (typeof item !== "string" || item === "") {
        fail([s, key, i], `must be a non-empty string, got ${typeOf(item)}`);
      }
    });
    return x as string[];
  };
  const registries = (strings("images", images, "registries") ?? []).map((r, i) => {
    const registry = r.toLowerCase() === "index.docker.io" ? DEFAULT_REGISTRY : r.toLowerCase();
    if (!isRegistry(registry)) {
      fail(["images", "registries", i], `is not a registry host[:port], got "${r}"`);
    }
    return registry;
  });
  const repositories = (strings("images", images, "repositories") ?? []).map((r, i) => {
    const pattern = repositoryPattern(r);
    if (typeof pattern === "string") fail(["images", "repositories", i], pattern);
    return pattern as RepositoryPattern;
  });
  const allowParameters = strings("images", images, "allowParameters") ?? [];
  allowParameters.forEach((name, i) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(name)) {
      fail(["images", "allowParameters", i], `is not a param name, got "${name}"`);
    }
  });
  const allowed = strings("tasks", tasks, "allowed");
  allowed?.forEach((name, i) => {
    if (!/^[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?$/.test(name)) {
      fail(["tasks", "allowed", i], `is not a Task name or name pattern, got "${name}"`);
    }
  });
  return {
    file,
    images: {
      registries,
      repositories,
      requireDigest: bool("images", images, "requireDigest"),
      allowParameters,
    },
    security: {
      forbidPrivileged: bool("security", security, "forbidPrivileged"),
      forbidHostNamespaces: bool("security", security, "forbidHostNamespaces"),
      forbidHostPath: bool("security", security, "forbidHostPath"),
    },
    tasks: { allowed },
  };
}

/**
 * A repository pattern, normalized as an image name is (`alpine` is
 * `docker.io/library/alpine`), or why it is not one. A tag or digest is
 * refused: the pattern names repositories.
 */
export function repositoryPattern(raw: string): RepositoryPattern | string {
  const slash = raw.indexOf("/");
  const first = slash === -1 ? "" : raw.slice(0, slash);
  const hasRegistry = first === "localhost" || /[.:]/.test(first) ||
    first.toLowerCase() !== first;
  let registry = hasRegistry ? first.toLowerCase() : DEFAULT_REGISTRY;
  if (registry === "index.docker.io") registry = DEFAULT_REGISTRY;
  let path = hasRegistry ? raw.slice(slash + 1) : raw;
  if (registry === DEFAULT_REGISTRY && !path.includes("/") && path !== "**") {
    path = `library/${path}`;
  }
  if (raw.includes("@") || path.includes(":")) {
    return `names a repository, without tag or digest, got "${raw}"`;
  }
  if (!isRegistry(registry)) return `has no valid registry host, got "${raw}"`;
  const segments = path.split("/");
  const valid = segments.every((s, i) =>
    s === "**"
      ? i === segments.length - 1
      : /^[a-z0-9*]+(?:(?:[._]|__|-+)[a-z0-9*]+)*$/.test(s) && !s.includes("**")
  );
  if (!valid || path === "") {
    return `is not a repository pattern (lowercase path segments, "*" within one, "**" last), got "${raw}"`;
  }
  return { raw, registry, segments };
}

/** Whether a normalized image name (`registry/path`) matches a pattern. */
export function matchesRepository(pattern: RepositoryPattern, registry: string, path: string) {
  if (registry.toLowerCase() !== pattern.registry) return false;
  const parts = path.split("/");
  const { segments } = pattern;
  const last = segments[segments.length - 1];
  if (last === "**") {
    const fixed = segments.slice(0, -1);
    return parts.length > fixed.length && fixed.every((s, i) => globMatch(s, parts[i]!));
  }
  return parts.length === segments.length && segments.every((s, i) => globMatch(s, parts[i]!));
}

/** `*` matches any run of characters (within one path segment or name). */
export function globMatch(pattern: string, text: string): boolean {
  const source = pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
  return new RegExp(`^${source}$`).test(text);
}

function typeOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
