/**
 * Runs the CLI in-process with injected dependencies and captures what it
 * writes, so CLI tests need no subprocess permission.
 *
 * @module
 */
import { run } from "../../main.ts";
import type { Deps } from "../../src/deps.ts";
import { ClusterError } from "../../src/errors.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { NO_SIGNALS } from "../_fakes/no_signals.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { FakeClock } from "../_fakes/fake_clock.ts";

/** What one CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  warnings: string[];
}

/**
 * Runs `draconctl <args>`; `deps` overrides the defaults (real disk, fake
 * fetcher, fake helm, no cluster); `entry` replaces main.ts's `run`.
 */
export async function runCli(
  args: string[],
  deps: Partial<Deps> = {},
  entry: typeof run = run,
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const logger = new MemoryLogger();
  const code = await entry(args, {
    fs: new DenoFileSystem(),
    fetcher: new FakeFetcher(),
    logger,
    stdout: { write: (text) => Promise.resolve(void (stdout += text)) },
    cluster: () => Promise.reject(new ClusterError("no cluster in this test")),
    helm: new FakeHelm(),
    signals: NO_SIGNALS,
    clock: new FakeClock(),
    ...deps,
  }, (text) => stderr += text);
  return { code, stdout, stderr, warnings: logger.warnings };
}

/** The absolute path of a file under `fixtures/`. */
export function fixture(path: string): string {
  return new URL(`../../fixtures/${path}`, import.meta.url).pathname;
}

/** The Dracon repository in `../shared/dracon`, which corpus fixtures are relative to. */
export const DRACON_ROOT: string = new URL("../../../shared/dracon", import.meta.url).pathname;
