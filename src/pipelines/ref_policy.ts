/**
 * What a kustomization may reference: local paths only inside the load root
 * (kustomize's `--load-restrictor`), URLs only from allowed hosts, and, when
 * asked, only URLs pinned by digest. Checked after parsing and before any
 * read or fetch.
 *
 * @module
 */
import { posix } from "node:path";
import { ComponentRefError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";
import type { FileSystem } from "../io/filesystem.ts";
import type { ComponentRef } from "./component.ts";
import { TASK_FILE_NAME } from "./component.ts";

/** kustomize's load restrictors: `rootOnly` (the default) or `none`. */
export type LoadRestrictor = "rootOnly" | "none";

/** The policy a kustomization's references are held to. */
export interface RefPolicy {
  /**
   * Absolute directories local files must stay inside (symlinks resolved);
   * empty when the restrictor is `none`. @default the kustomization's directory
   */
  roots: readonly string[];
  /** Refuse URLs without a `#sha256=` pin. @default false */
  requireDigest?: boolean;
  /** Hosts (`name` or `name:port`) URLs may come from; `undefined` allows any. @default undefined */
  allowedHosts?: readonly string[];
}

/** The hint for a local path outside the base directory. */
export const RESTRICTOR_HINT =
  'keep components under the base directory, point "--base-dir" at a common parent, ' +
  'or pass "--load-restrictor none" to read files anywhere';

/**
 * Parses `--load-restrictor`: kustomize's `LoadRestrictionsRootOnly` and
 * `LoadRestrictionsNone`, or the short `rootOnly` and `none`.
 *
 * @returns `undefined` when `value` is none of these
 */
export function parseLoadRestrictor(value: string): LoadRestrictor | undefined {
  const short = value.replace(/^LoadRestrictions/, "").toLowerCase();
  if (short === "rootonly") return "rootOnly";
  if (short === "none") return "none";
  return undefined;
}

/**
 * Checks a parsed reference against the policy, by its text alone: a file
 * path must lie lexically inside a root, a URL must be pinned (with
 * `requireDigest`) and come from an allowed host.
 *
 * @throws {ComponentRefError} naming the reference and the rule it breaks
 */
export function checkRefPolicy(ref: ComponentRef, policy: RefPolicy): void {
  if (ref.kind === "file") {
    if (policy.roots.length > 0 && !policy.roots.some((root) => isInside(ref.path, root))) {
      throw new ComponentRefError(
        ref.raw,
        `the path "${ref.path}" is outside the base directory "${policy.roots[0]}"`,
        { hint: RESTRICTOR_HINT },
      );
    }
  } else if (ref.kind === "url") {
    checkHost(ref, policy.allowedHosts);
    if (policy.requireDigest === true && ref.sha256 === undefined) {
      throw new ComponentRefError(
        redactUrl(ref.raw),
        "the URL has no digest pin (--require-digest)",
        {
          hint:
            'append "#sha256=<hex>" (the SHA-256 of the served file, e.g. from "sha256sum task.yaml")',
        },
      );
    }
  }
}

/**
 * Checks that a file reference stays inside a root once symlinks are resolved.
 * A path that does not exist passes: the loader reports it as missing.
 *
 * @throws {ComponentRefError} when a symlink leads outside every root
 */
export async function checkRealPath(
  ref: Extract<ComponentRef, { kind: "file" }>,
  policy: RefPolicy,
  fs: Pick<FileSystem, "realPath">,
): Promise<void> {
  if (policy.roots.length === 0) return;
  const roots = await realRoots(policy, fs);
  // A directory component reads its task.yaml, which may be a symlink itself.
  for (const path of [ref.path, posix.join(ref.path, TASK_FILE_NAME)]) {
    const real = await realPathOrUndefined(path, fs);
    if (real === undefined || roots.some((root) => isInside(real, root))) continue;
    throw new ComponentRefError(
      ref.raw,
      `the path "${path}" leads through a symlink to "${real}", ` +
        `outside the base directory "${roots[0]}"`,
      { hint: RESTRICTOR_HINT },
    );
  }
}

function checkHost(ref: Extract<ComponentRef, { kind: "url" }>, allowed?: readonly string[]) {
  if (allowed === undefined) return;
  const host = ref.url.host.toLowerCase();
  const hostname = ref.url.hostname.toLowerCase();
  const ok = allowed.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted === host || wanted === hostname;
  });
  if (ok) return;
  throw new ComponentRefError(
    redactUrl(ref.raw),
    `host "${host}" is not in the allowed hosts (${allowed.map((h) => `"${h}"`).join(", ")})`,
    { hint: `add it with "--allowed-hosts ${[...allowed, host].join(",")}" if you trust it` },
  );
}

/** Whether `path` is `root` or below it (both absolute and normalized). */
export function isInside(path: string, root: string): boolean {
  const relative = posix.relative(root, path);
  if (relative === "") return true;
  return relative !== ".." && !relative.startsWith("../") && !posix.isAbsolute(relative);
}

/** The roots of each policy with symlinks resolved, by filesystem: once per plan, not per file. */
const REAL_ROOTS = new WeakMap<object, WeakMap<RefPolicy, Promise<string[]>>>();

function realRoots(policy: RefPolicy, fs: Pick<FileSystem, "realPath">): Promise<string[]> {
  let byPolicy = REAL_ROOTS.get(fs);
  if (byPolicy === undefined) REAL_ROOTS.set(fs, byPolicy = new WeakMap());
  let roots = byPolicy.get(policy);
  if (roots === undefined) {
    roots = Promise.all(
      policy.roots.map(async (root) => (await realPathOrUndefined(root, fs)) ?? root),
    );
    byPolicy.set(policy, roots);
  }
  return roots;
}

async function realPathOrUndefined(
  path: string,
  fs: Pick<FileSystem, "realPath">,
): Promise<string | undefined> {
  try {
    return await fs.realPath(path);
  } catch {
    return undefined;
  }
}
