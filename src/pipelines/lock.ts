/**
 * `pipelines lock <kustomization>`: resolves every component as a client dry
 * run does (`helm://` from the cluster's one LIST, or `--helm-chart`) and
 * writes the lock beside the kustomization, or (`--check`) compares it with
 * the lock there and writes nothing. Also reads a lock for `--locked`.
 * The format: `lock_file.ts`, docs/lock.md.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { LoadError, UsageError } from "../errors.ts";
import { readInputFile } from "../io/read_input.ts";
import { deployPipeline, type DeployPipelineOptions } from "./deploy.ts";
import {
  checkLock,
  defaultLockPath,
  type Lock,
  lockFileDigest,
  lockText,
  parseLock,
  type ReadLock,
} from "./lock_file.ts";

/** Options of {@link lockPipeline}: the client dry run's, and where the lock is. */
export interface LockPipelineOptions extends Omit<DeployPipelineOptions, "strategy" | "lock"> {
  /** The lock file. @default `draconctl.lock` beside the kustomization */
  lockFile?: string;
  /** Compare with the lock file instead of writing it. @default false */
  check?: boolean;
}

/** What {@link lockPipeline} did. */
export interface LockResult {
  file: string;
  lock: Lock;
  /** `false` for `--check` (which throws when the lock is stale). */
  written: boolean;
}

/**
 * Writes (or with `check` compares) the lock of a kustomization.
 *
 * @throws {LockMismatchError} `check`: the lock is stale, every difference listed
 * @throws {LoadError} `check`: no lock file
 * @throws {ClusterError} a `helm://` reference that cannot be resolved
 */
export async function lockPipeline(
  kustomization: string,
  deps: Parameters<typeof deployPipeline>[1] & Pick<Deps, "fs">,
  options: LockPipelineOptions,
): Promise<LockResult> {
  const file = await lockPathOf(kustomization, options.lockFile, deps.fs);
  const result = await deployPipeline(kustomization, deps, {
    ...options,
    strategy: "client",
    helmRequired: true,
  });
  const lock = result.lock!;
  if (options.check) {
    checkLock(await readLock(file, deps.fs, options.fetch.maxBytes), lock);
    return { file, lock, written: false };
  }
  const info = await deps.fs.stat(file);
  if (info !== undefined && !info.isFile) {
    throw new UsageError(`--lock-file "${file}": is not a regular file`, {
      hint: "name a file the lock may be written to",
    });
  }
  // Written beside it, then renamed: a lock is never left half-written.
  const temp = `${file}.draconctl-tmp`;
  await deps.fs.writeTextFile(temp, await lockText(lock));
  await deps.fs.rename(temp, file);
  return { file, lock, written: true };
}

/** The lock file of a kustomization argument: `lockFile`, else `draconctl.lock` beside it. */
export async function lockPathOf(
  kustomization: string,
  lockFile: string | undefined,
  fs: Pick<Deps["fs"], "stat">,
): Promise<string> {
  if (lockFile !== undefined) return lockFile;
  const info = await fs.stat(kustomization);
  if (info === undefined) {
    throw new LoadError(kustomization, "no such file or directory", {
      hint: "pass a kustomization file or a directory holding kustomization.yaml",
    });
  }
  return defaultLockPath(kustomization.replace(/(.)\/+$/, "$1"), info.isDirectory);
}

/** `--locked`: the lock of a kustomization argument ({@link lockPathOf}), read ({@link readLock}). */
export async function readLockFor(
  kustomization: string,
  lockFile: string | undefined,
  fs: Deps["fs"],
  maxBytes: number,
): Promise<ReadLock> {
  return await readLock(await lockPathOf(kustomization, lockFile, fs), fs, maxBytes);
}

/**
 * Reads and checks a lock file, with the digest of its text.
 *
 * @throws {LoadError} (exit 4) when it is missing or unreadable
 * @throws {ValidationError} (exit 3) when it is not a lock
 */
export async function readLock(
  file: string,
  fs: Deps["fs"],
  maxBytes: number,
): Promise<ReadLock> {
  if (await fs.stat(file) === undefined) {
    throw new LoadError(file, "no such lock file", {
      hint: 'write it with "draconctl pipelines lock <kustomization>", review it, commit it',
    });
  }
  const text = await readInputFile(fs, file, {
    maxBytes,
    tooLargeHint: 'a lock file is a few KiB; raise the limit with "--max-body-size" if meant',
  });
  return { file, lock: await parseLock(text, file), digest: lockFileDigest(text) };
}
