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
import { allCommands, type AnyCommand, commandPath } from "./_command.ts";
import { parseNamespace } from "./_parse.ts";
import { registerComponentsPackage } from "./components_package.ts";
import { registerCompletion } from "./completion.ts";
import { applyFlagEnv } from "./env_flags.ts";
import { goToolSpellings } from "./go_spellings.ts";
import { registerPipelinesCheck } from "./pipelines_check.ts";
import { registerPipelinesDeploy } from "./pipelines_deploy.ts";
import { registerPipelinesRun } from "./pipelines_run.ts";
import { registerPipelinesList } from "./pipelines_list.ts";
import { registerPipelinesStatus } from "./pipelines_status.ts";
import { registerPipelinesDelete } from "./pipelines_delete.ts";
import { registerPipelinesDiff } from "./pipelines_diff.ts";
import { registerPipelinesLock } from "./pipelines_lock.ts";
import { registerComponentsList } from "./components_list.ts";
import { registerComponentsUpgradeCheck } from "./components_upgrade_check.ts";

/** Thrown when `--help` or `--version` was asked for; `output` is what to print. */
export class CommandDone extends DraconError {
  override readonly exitCode = ExitCode.ok;
  constructor(readonly output: string) {
    super("done");
  }
}

/** Appends one value of a repeatable flag. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Parses `args` and runs the command they name. Help and version text go to
 * `deps.stdout` like every other output.
 *
 * @throws {DraconError} whatever the command throws, or a {@link UsageError}
 */
export async function runProgram(args: readonly string[], deps: Deps): Promise<void> {
  try {
    await createProgram(deps).parseAsync(goToolSpellings(args), { from: "user" });
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
    .addOption(new Option("--cluster <name>", "kubeconfig cluster to use instead of the context's"))
    .addOption(new Option("--user <name>", "kubeconfig user to use instead of the context's"))
    .addOption(new Option("-s, --server <url>", "address of the Kubernetes API server"))
    .addOption(new Option("--token <token>", "bearer token for the API server"))
    .addOption(new Option("--certificate-authority <file>", "CA certificate file to trust"))
    .addOption(new Option("--client-certificate <file>", "client certificate file for TLS"))
    .addOption(new Option("--client-key <file>", "client key file for TLS"))
    .addOption(
      new Option(
        "--insecure-skip-tls-verify",
        "skip the server certificate check (plain http:// servers only; refused on https://)",
      ),
    )
    .addOption(
      new Option("--tls-server-name <name>", "server name to check the certificate against"),
    )
    .addOption(new Option("--as <user>", "user to impersonate"))
    .addOption(
      new Option("--as-group <group>", "group to impersonate (repeatable)").argParser(collect),
    )
    .addOption(new Option("--as-uid <uid>", "UID to impersonate"))
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: true, showGlobalOptions: true });

  const pipelines = program.command("pipelines").description(
    "Assemble, deploy, inspect and delete pipelines",
  );
  registerPipelinesDeploy(pipelines, deps);
  registerPipelinesCheck(pipelines, deps);
  registerPipelinesRun(pipelines, deps);
  registerPipelinesList(pipelines, deps);
  registerPipelinesStatus(pipelines, deps);
  registerPipelinesDelete(pipelines, deps);
  registerPipelinesDiff(pipelines, deps);
  registerPipelinesLock(pipelines, deps);
  const components = program.command("components").description(
    "Package and publish component Tasks",
  );
  registerComponentsPackage(components, deps);
  registerComponentsList(components, deps);
  registerComponentsUpgradeCheck(components, deps);
  registerCompletion(program, deps);
  program.command("version").description("print the version, the Deno version and the git commit")
    .action(async () => await deps.stdout.write(`${versionLine()}\n`));

  for (const command of allCommands(program)) routeErrors(command);
  // DRACONCTL_<FLAG> for flags the command line left unset, before the action runs.
  program.hook("preAction", (_, action) => applyFlagEnv(action, deps.env ?? (() => undefined)));
  return program;
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
