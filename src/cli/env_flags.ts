/**
 * `DRACONCTL_<FLAG>` environment variables for flags not given on the
 * command line, as the Go tool's viper binding read them
 * (`SetEnvPrefix("draconctl")`, `SetEnvKeyReplacer("-" → "_")`,
 * `AutomaticEnv()`): `--field-manager` is `DRACONCTL_FIELD_MANAGER`,
 * `--kubeconfig` is `DRACONCTL_KUBECONFIG`. Precedence: a flag on the command
 * line, then its variable, then the flag's default. Only the flags of the
 * command that runs (and the global ones) are read; an empty variable counts
 * as unset (viper's default). A value that the flag would refuse fails the
 * run (exit 2) naming the variable: the Go tool logged it and went on.
 *
 * @module
 */
import { InvalidArgumentError, type Option } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { type AnyCommand, commandPath } from "./_command.ts";
import { envNameOf, FALSE, TRUE } from "./env_names.ts";

export { ENV_PREFIX, envNameOf, isTrueValue } from "./env_names.ts";

/** Flags no variable sets: they print and exit. */
const UNBOUND = new Set(["--help", "--version"]);

/**
 * Variables the Go tool read under another flag name, per command: its
 * `components package --version` (the app version) and `deploy --ssa` (the
 * field manager). The flag's own variable wins when both are set.
 */
const GO_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "draconctl components package": { "--app-version": "DRACONCTL_VERSION" },
  "draconctl pipelines deploy": { "--field-manager": "DRACONCTL_SSA" },
};

/** The variables that may set a flag of `command`, its own first. */
export function envNamesOf(command: AnyCommand, option: Option): string[] {
  if (option.long === undefined || UNBOUND.has(option.long)) return [];
  const alias = GO_ALIASES[commandPath(command)]?.[option.long];
  return [envNameOf(option.long), ...(alias === undefined ? [] : [alias])];
}

/** Every flag variable of a command tree, sorted (the list src/permissions.ts ships). */
export function allEnvNames(commands: readonly AnyCommand[]): string[] {
  const names = new Set<string>();
  for (const command of commands) {
    for (const option of command.options as readonly Option[]) {
      for (const name of envNamesOf(command, option)) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * Sets each flag of `command` and its parents that the command line left
 * unset from its variable, through the flag's own parser and choices.
 *
 * @throws {UsageError} naming the variable, when its value is refused
 */
export function applyFlagEnv(
  command: AnyCommand,
  env: (name: string) => string | undefined,
): void {
  for (let owner: AnyCommand | null = command; owner; owner = owner.parent as AnyCommand | null) {
    for (const option of owner.options as readonly Option[]) {
      const key = option.attributeName();
      const source = owner.getOptionValueSource(key);
      if (source !== undefined && source !== "default") continue;
      for (const name of envNamesOf(owner, option)) {
        const raw = env(name);
        if (raw === undefined || raw === "") continue;
        const value = valueOf(option, name, raw, owner.getOptionValue(key));
        if (value !== undefined) owner.setOptionValueWithSource(key, value, "env");
        break;
      }
    }
  }
}

/** Go's strconv.ParseBool, which pflag's boolean flags use. */

/** The flag's value for `raw`; `undefined` leaves it unset (a boolean set to false). */
function valueOf(option: Option, name: string, raw: string, current: unknown): unknown {
  const refuse = (reason: string) =>
    new UsageError(`${name}=${JSON.stringify(raw)}: ${reason}`, {
      hint: `the variable sets ${option.long}; fix or unset it`,
    });
  const takesValue = option.required || option.optional;
  if (!takesValue || option.optional) {
    if (TRUE.has(raw)) return takesValue ? (option.presetArg ?? true) : true;
    if (FALSE.has(raw)) return undefined;
    if (!takesValue) throw refuse('expected a boolean ("true" or "false")');
  }
  if (option.argChoices !== undefined && !option.argChoices.includes(raw)) {
    throw refuse(`allowed values are ${option.argChoices.join(", ")}`);
  }
  if (option.parseArg === undefined) return raw;
  try {
    return option.parseArg(raw, current as never);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw refuse(error.message);
    throw error;
  }
}
