/**
 * `--locked` and `--lock-file <path>` as deploy, diff, check and run read
 * them (docs/lock.md): `--lock-file` alone is a usage error, and the lock is
 * read before anything connects.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import type { ReadLock } from "../pipelines/lock_file.ts";

/** The two flags, as commander hands them over. */
export interface LockFlags {
  locked?: true;
  lockFile?: string;
}

/**
 * Refuses `--lock-file` without `--locked` (exit 2); `what` names what the
 * lock would check ("the deploy", "the diff", …).
 */
export function checkLockFlags(flags: LockFlags, what: string): void {
  if (flags.lockFile !== undefined && !flags.locked) {
    throw new UsageError("--lock-file only works with --locked", {
      hint: `add --locked to check ${what} against the lock file`,
    });
  }
}

/**
 * With `--locked`: the lock of `kustomization` (draconctl.lock beside it, or
 * `--lock-file`), after {@link checkLockFlags}; without: `undefined`.
 */
export async function readLockOf(
  kustomization: string,
  flags: LockFlags,
  what: string,
  fs: Deps["fs"],
  maxBytes: number,
): Promise<ReadLock | undefined> {
  checkLockFlags(flags, what);
  if (!flags.locked) return undefined;
  const { readLockFor } = await import("../pipelines/lock.ts");
  return await readLockFor(kustomization, flags.lockFile, fs, maxBytes);
}
