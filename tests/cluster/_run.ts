/**
 * Runs a command of the test environment (`kubectl`, `helm`) to completion.
 *
 * @example
 * ```ts
 * const { stdout } = await run("kubectl", ["version", "-o", "json"]);
 * ```
 * @module
 */

/** Result of {@linkcode run}. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
  /** Working directory. @default the current one */
  cwd?: string;
  /** Text written to the command's stdin. @default none (stdin is /dev/null) */
  stdin?: string;
  /** Throw with the command's output when it exits non-zero. @default true */
  check?: boolean;
}

/** Runs a command; throws with its output when it exits non-zero (unless `check: false`). */
export async function run(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: options.env ?? {},
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (result.code !== 0 && options.check !== false) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}
