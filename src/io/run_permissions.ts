/**
 * Narrowing the `--allow-run` list draconctl ships with (src/permissions.ts)
 * to what one run needs. Deno fixes permissions at start, but revokes one
 * command of a list (not of a bare `--allow-run`) at any time, and a revoked
 * command cannot come back.
 *
 * @module
 */
import { CREDENTIAL_PLUGINS } from "../permissions.ts";

/** The run permissions of this process. */
export interface RunPermissions {
  /** Whether this process may run `command` (a name looked up on PATH, or a path). */
  mayRun(command: string): Promise<boolean>;
  /**
   * Revokes every credential plugin of the shipped list except those named
   * in `keep` (names or paths; a path keeps the plugin of its base name).
   */
  keepPlugins(keep: readonly string[]): Promise<void>;
}

/** The base name of a command: `aws` for `/usr/local/bin/aws`. */
export function commandName(command: string): string {
  return command.slice(command.lastIndexOf("/") + 1);
}

/** {@link RunPermissions} of this Deno process. */
export class DenoRunPermissions implements RunPermissions {
  async mayRun(command: string): Promise<boolean> {
    return (await Deno.permissions.query({ name: "run", command })).state === "granted";
  }

  async keepPlugins(keep: readonly string[]): Promise<void> {
    const kept = new Set(keep.map(commandName));
    for (const command of CREDENTIAL_PLUGINS) {
      if (!kept.has(command)) await Deno.permissions.revoke({ name: "run", command });
    }
  }
}
