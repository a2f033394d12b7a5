/**
 * A {@link CommandRunner} and {@link RunPermissions} for tests: no process is
 * ever started. The runner records every call and answers with what
 * `answer` returns (or throws); the permissions allow the commands they
 * were given.
 *
 * @module
 */
import type { CommandOptions, CommandResult, CommandRunner } from "../../src/io/command.ts";
import type { RunPermissions } from "../../src/io/run_permissions.ts";

/** One call of {@link FakeCommandRunner.run}. */
export interface RunCall {
  command: string;
  options: CommandOptions;
}

/** What the fake command does: a result, or a thrown error. */
export type Answer = (call: RunCall, index: number) => CommandResult | Promise<CommandResult>;

/** A {@link CommandRunner} that records calls and answers from a function. */
export class FakeCommandRunner implements CommandRunner {
  readonly calls: RunCall[] = [];
  answer: Answer;

  constructor(answer: Answer) {
    this.answer = answer;
  }

  async run(command: string, options: CommandOptions): Promise<CommandResult> {
    const call = { command, options };
    this.calls.push(call);
    return await this.answer(call, this.calls.length - 1);
  }
}

/** A successful result printing `stdout` (a string, or a value printed as JSON). */
export function printed(stdout: unknown, code = 0): CommandResult {
  const text = typeof stdout === "string" ? stdout : JSON.stringify(stdout);
  return { code, stdout: new TextEncoder().encode(text) };
}

/** {@link RunPermissions} that allow exactly the commands given (names or paths). */
export class FakeRunPermissions implements RunPermissions {
  readonly allowed: Set<string>;
  /** Every `keepPlugins` argument, in order. */
  readonly kept: (readonly string[])[] = [];
  /** Every `mayRun` argument, in order. */
  readonly asked: string[] = [];

  constructor(allowed: Iterable<string>) {
    this.allowed = new Set(allowed);
  }

  mayRun(command: string): Promise<boolean> {
    this.asked.push(command);
    return Promise.resolve(this.allowed.has(command));
  }

  keepPlugins(keep: readonly string[]): Promise<void> {
    this.kept.push(keep);
    return Promise.resolve();
  }
}
