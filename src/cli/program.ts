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
import { registerComponentsPackage } from "./components_package.ts";
import { registerCompletion } from "./completion.ts";
import { registerPipelinesDeploy } from "./pipelines_deploy.ts";

/** Thrown when `--help` or `--version` already printed what was asked for. */
export class CommandDone extends DraconError {
  override readonly exitCode = ExitCode.ok;
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
    .addOption(new Option("-n, --namespace <namespace>", "namespace to deploy into"))
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
  command.configureOutput({ outputError: () => {} });
  command.exitOverride((error: CommanderError) => {
    if (error.exitCode === 0) throw new CommandDone(error.message);
    const message = error.message.replace(/^error: /, "");
    throw new UsageError(message, { hint: `usage: ${commandPath(command)} ${command.usage()}` });
  });
}
