/**
 * The names and boolean spellings of `DRACONCTL_<FLAG>` variables, without
 * the command tree: main.ts reads them (write scope, `-v`) before commander
 * loads. The flags' own reading is in `env_flags.ts`.
 *
 * @module
 */

/** The prefix of every flag variable. */
export const ENV_PREFIX = "DRACONCTL_";

/** The variable of a flag: `--field-manager` → `DRACONCTL_FIELD_MANAGER`. */
export function envNameOf(long: string): string {
  return ENV_PREFIX + long.replace(/^--/, "").toUpperCase().replaceAll("-", "_");
}

/** Go's `strconv.ParseBool` spellings of true, as viper reads them. */
export const TRUE: ReadonlySet<string> = new Set(["1", "t", "T", "TRUE", "true", "True"]);
/** Go's `strconv.ParseBool` spellings of false. */
export const FALSE: ReadonlySet<string> = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Whether a variable's value reads as true for a boolean flag. */
export function isTrueValue(raw: string | undefined): boolean {
  return raw !== undefined && TRUE.has(raw);
}
