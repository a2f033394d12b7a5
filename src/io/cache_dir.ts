/**
 * Where the cache across runs lives and whether it is on (docs/cache.md),
 * and the {@link Cache} the entry point hands to actions: the disk cache,
 * loaded on first use so that commands that never read a Task (`--help`,
 * `version`) do not load it.
 *
 * @module
 */
import type { Cache } from "./cache.ts";
import type { Logger } from "./logger.ts";

/**
 * The cache directory the environment names, or `undefined` (no home).
 * `$XDG_CACHE_HOME` counts only when absolute, as the XDG specification says.
 */
export function cacheDirOf(env: (name: string) => string | undefined): string | undefined {
  const own = env("DRACONCTL_CACHE_DIR");
  if (own) return own;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg?.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/draconctl`;
  const home = env("HOME");
  return home ? `${home.replace(/\/+$/, "")}/.cache/draconctl` : undefined;
}

/** Whether the environment turns the cache off (`DRACONCTL_NO_CACHE`, any value but empty, `0`, `false`). */
export function cacheDisabled(env: (name: string) => string | undefined): boolean {
  const value = env("DRACONCTL_NO_CACHE")?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

/** The {@link DiskCache} of `dir`, its module loaded on the first call. */
export function openDiskCache(dir: string, logger?: Logger): Cache {
  let cache: Promise<Cache> | undefined;
  const open = () =>
    cache ??= import("./disk_cache.ts").then(({ DiskCache }) => new DiskCache(dir, logger));
  return {
    codeDigest: async (modules) => (await open()).codeDigest(modules),
    get: async (key) => (await open()).get(key),
    put: async (key, value) => (await open()).put(key, value),
  };
}
