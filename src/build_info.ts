/**
 * Facts stamped into a compiled binary by `deno task compile`
 * (scripts/compile.ts rewrites this file for the build and restores it).
 * Running from source, they say so.
 *
 * @module
 */

/** The git commit the binary was built from; `"source"` when running from source. */
export const BUILD_COMMIT: string = "source";
