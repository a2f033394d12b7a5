/**
 * The version draconctl reports. `VERSION` follows deno.json; `COMMIT` is
 * stamped into src/build_info.ts by the compile task (scripts/compile.ts) and
 * reads "source" when running from source. The Deno version is the runtime's:
 * for a binary, the `denort` it was built with.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { BUILD_COMMIT } from "./build_info.ts";

/** draconctl's own version. */
export const VERSION: string = denoJson.version;

/** The git commit draconctl was built from, or "source". */
export const COMMIT: string = BUILD_COMMIT;

/** The line `--version` prints. */
export function versionLine(): string {
  return `draconctl ${VERSION} (deno ${Deno.version.deno}, commit ${COMMIT})`;
}
