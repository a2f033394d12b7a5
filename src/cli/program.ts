/**
 * The command tree. Commands only map flags to an options object, call one
 * action and format its result; `main.ts` runs the tree and owns the exit.
 *
 * @module
 */
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { DraconError, ExitCode, UsageError } from "../errors.ts";
import { versionLine } from "../version.ts";
import { parseNamespace } from "./_parse.ts";
import { registerComponentsPackage } from "./components_package.ts";
import { registerCompletion } from "./completion.ts";
import { registerPipelinesDeploy } from "./pipelines_deploy.ts";

/** Thrown when `--help` or `--version` was asked for; `output` is what to print. */
export class CommandDone extends DraconError {
  override readonly exitCode = ExitCode.ok;
  constructor(readonly output: string) {
    super("done");
  }
}

/** Any command of the tree, whatever its arguments and options. */
// deno-lint-ignore no-explicit-any
export type AnyCommand = Command<any, any, any>;

/** Options every command accepts (`draconctl --kubeconfig … pipelines deploy …`). */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  verbose?: true;
}

/**
 * Parses `args` and runs the command they name. Help and version text go to
 * `deps.stdout` like every other output.
 *
 * @throws {DraconError} whatever the command throws, or a {@link UsageError}
 */
export async function runProgram(args: readonly string[], deps: Deps): Promise<void> {
  try {
    await createProgram(deps).parseAsync(args, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommandDone)) throw error;
    await deps.stdout.write(error.output);
  }
}

/** Builds the whole command tree over `deps`. */
export function createProgram(deps: Deps): Command {
  const program = new Command("draconctl")
    .description("Deploy Dracon security-scanning pipelines (Tekton) to Kubernetes")
    .version(
      versionLine(),
      "-V, --version",
      "print the version, the Deno version and the git commit",
    )
    .addOption(
      new Option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"),
    )
    .addOption(new Option("--context <name>", "kubeconfig context to use"))
    .addOption(
      new Option("-n, --namespace <namespace>", "namespace to deploy into").argParser(
        parseNamespace,
      ),
    )
    .addOption(new Option("-v, --verbose", "print progress details to stderr"))
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: true, showGlobalOptions: true });

  const pipelines = program.command("pipelines").description("Assemble and deploy pipelines");
  registerPipelinesDeploy(pipelines, deps);
  const components = program.command("components").description(
    "Package and publish component Tasks",
  );
  registerComponentsPackage(components, deps);
  registerCompletion(program, deps);
  program.command("version").description("print the version, the Deno version and the git commit")
    .action(async () => await deps.stdout.write(`${versionLine()}\n`));

  for (const command of allCommands(program)) routeErrors(command);
  return program;
}

/** The program and every subcommand, depth first. */
export function allCommands(command: AnyCommand): AnyCommand[] {
  return [command, ...command.commands.flatMap((sub) => allCommands(sub))];
}

/** Full name of a command, e.g. `draconctl pipelines deploy`. */
export function commandPath(command: AnyCommand): string {
  const names: string[] = [];
  for (let c: AnyCommand | null = command; c; c = c.parent as typeof c) {
    names.unshift(c.name());
  }
  return names.join(" ");
}

/**
 * Commander prints and exits by itself; here it throws instead: help and
 * version end as {@link CommandDone}, usage errors as {@link UsageError}
 * carrying the usage line as hint.
 */
function routeErrors(command: AnyCommand): void {
  // Commander's own writers would start Node's stdout/stderr streams (~15 ms
  // at start-up); what it prints is collected instead and printed by
  // runProgram, help at the default width of 80 columns.
  let printed = "";
  command.configureOutput({
    outputError: () => {},
    writeOut: (text) => void (printed += text),
    writeErr: () => {},
    getOutHelpWidth: () => 80,
    getErrHelpWidth: () => 80,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  command.exitOverride((error: CommanderError) => {
    if (error.exitCode === 0) throw new CommandDone(printed);
    const hint = `usage: ${commandPath(command)} ${command.usage()}`;
    if (error.code === "commander.help") {
      // A command that only groups others, run without one.
      const names = command.commands.map((sub) => sub.name()).join(", ");
      throw new UsageError(`"${commandPath(command)}" needs a command: ${names}`, { hint });
    }
    throw new UsageError(error.message.replace(/^error: /, ""), { hint });
  });
}
