/**
 * The version draconctl reports. `VERSION` follows deno.json; `COMMIT` is
 * stamped by the compile task (see scripts/) and reads "unknown" when running
 * from source.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** draconctl's own version. */
export const VERSION: string = denoJson.version;

/** The git commit draconctl was built from, or "unknown". */
export const COMMIT: string = "unknown";

/** The line `--version` prints. */
export function versionLine(): string {
  return `draconctl ${VERSION} (deno ${Deno.version.deno}, commit ${COMMIT})`;
}
