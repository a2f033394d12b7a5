/**
 * Every side effect draconctl has, gathered in one object that `main.ts`
 * builds from real implementations and tests build from fakes.
 *
 * @module
 */
import type { FileSystem } from "./io/filesystem.ts";
import type { Fetcher } from "./fetch/fetcher.ts";
import type { Logger } from "./io/logger.ts";
import type { ClusterFactory, FleetFactory } from "./tekton/cluster.ts";
import type { Helm } from "./helm/helm.ts";
import type { Signals } from "./io/signals.ts";
import type { Clock } from "./io/clock.ts";
import type { StatusLine } from "./io/status_line.ts";
import type { Cache } from "./io/cache.ts";

/** Where command output goes. */
export interface Output {
  /** Writes text to standard output. */
  write(text: string): Promise<void>;
}

/** The side effects available to actions. */
export interface Deps {
  fs: FileSystem;
  fetcher: Fetcher;
  logger: Logger;
  stdout: Output;
  /** Connects to the cluster; only commands that need one call it. */
  cluster: ClusterFactory;
  /**
   * Several contexts at once (`--context a,b`, `--all-contexts`): resolved
   * before any connection, their plugins kept together. @default unavailable
   */
  fleet?: FleetFactory;
  /** The `helm` binary; only packaging and rendering Tasks with Helm expressions run it. */
  helm: Helm;
  /** SIGINT/SIGTERM; a deploy listens while it writes, to stop cleanly. */
  signals: Signals;
  /** The wall clock: how long a deploy took. */
  clock: Clock;
  /**
   * Reads an environment variable (`DRACONCTL_<FLAG>` for flags not given,
   * src/cli/env_flags.ts). Absent: every variable reads as unset.
   */
  env?: (name: string) => string | undefined;
  /**
   * A status line on the terminal (stderr), for progress of long runs; only
   * when stderr is a terminal. Absent: no progress is shown.
   */
  status?: StatusLine;
  /**
   * Loaded and rendered Tasks across runs, by content (docs/cache.md).
   * Absent: every Task is parsed and rendered.
   */
  cache?: Cache;
}
