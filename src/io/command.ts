/**
 * Running a program, behind an interface so tests can hand in a fake one.
 * Used for kubeconfig credential plugins (`helm` has its own {@link Helm}).
 *
 * @module
 */

/** How to run one command. */
export interface CommandOptions {
  args: readonly string[];
  /** Variables added to the inherited environment. */
  env: Record<string, string>;
}

/** What a finished command left. Its stderr went to draconctl's stderr. */
export interface CommandResult {
  code: number;
  stdout: Uint8Array;
}

/** Runs programs. */
export interface CommandRunner {
  /**
   * Runs `command` with no standard input, its standard error passed through
   * and its standard output collected. Throws `Deno.errors.NotFound` when the
   * command does not exist and `Deno.errors.NotCapable` when this process may
   * not run it.
   */
  run(command: string, options: CommandOptions): Promise<CommandResult>;
}

/** {@link CommandRunner} with `Deno.Command`. */
export class DenoCommandRunner implements CommandRunner {
  async run(command: string, options: CommandOptions): Promise<CommandResult> {
    const output = await new Deno.Command(command, {
      args: [...options.args],
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return { code: output.code, stdout: output.stdout };
  }
}
