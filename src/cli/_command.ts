/**
 * What every command module shares: the command type, the global options
 * and their kubectl connection flags, and naming commands. Command modules
 * import this, never `program.ts` (which imports them).
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { ConnectionFlags } from "../k8s/kubeconfig.ts";

/** Any command of the tree, whatever its arguments and options. */
// deno-lint-ignore no-explicit-any
export type AnyCommand = Command<any, any, any>;

/** Options every command accepts (`draconctl --kubeconfig … pipelines deploy …`). */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  verbose?: true;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: true;
  tlsServerName?: string;
  as?: string;
  asGroup?: string[];
  asUid?: string;
}

/** kubectl's connection flags of a command line, as {@link ConnectionFlags}. */
export function connectionFlagsOf(global: GlobalOptions): ConnectionFlags {
  const flags: ConnectionFlags = {};
  const copy = <K extends keyof ConnectionFlags & keyof GlobalOptions>(key: K) => {
    if (global[key] !== undefined) (flags as Record<string, unknown>)[key] = global[key];
  };
  for (
    const key of [
      "kubeconfig",
      "context",
      "namespace",
      "cluster",
      "user",
      "server",
      "token",
      "certificateAuthority",
      "clientCertificate",
      "clientKey",
      "insecureSkipTlsVerify",
      "tlsServerName",
      "as",
      "asUid",
    ] as const
  ) copy(key);
  if (global.asGroup !== undefined) flags.asGroups = global.asGroup;
  return flags;
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
