/**
 * Runs draconctl as it ships: `deno run` with exactly the flags of
 * scripts/permissions.ts, the compiled binary named by `DRACONCTL_E2E_BINARY`
 * (e.g. dist/draconctl) when one was built, or the bundle in the directory
 * named by `DRACONCTL_E2E_BUNDLE` (e.g. dist, from `deno task bundle`).
 *
 * @module
 */
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { bundleRunArgs } from "../../scripts/bundle.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** What one run of the product printed. */
export interface ProductResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The binary under test, if any. */
export const BINARY: string | undefined = Deno.env.get("DRACONCTL_E2E_BINARY") || undefined;

/** The directory of the bundle under test, if any. */
export const BUNDLE: string | undefined = Deno.env.get("DRACONCTL_E2E_BUNDLE") || undefined;

/**
 * The command that runs `draconctl <args>` in the repository root; `options`
 * as for `Deno.Command` (`stdin` defaults to `null`).
 */
export function productCommand(args: string[], options: Deno.CommandOptions = {}): Deno.Command {
  const [command, ...prefix] = BINARY !== undefined
    ? [BINARY]
    : BUNDLE !== undefined
    ? ["deno", ...bundleRunArgs(BUNDLE)]
    : ["deno", "run", "--quiet", ...PERMISSION_FLAGS, "main.ts"];
  return new Deno.Command(command!, {
    cwd: ROOT,
    stdin: "null",
    ...options,
    args: [...prefix, ...args],
  });
}

/** Runs `draconctl <args>` in the repository root; `env` adds variables. */
export async function runProduct(
  args: string[],
  env: Record<string, string> = {},
): Promise<ProductResult> {
  const output = await productCommand(args, { env }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** A small valid component Task (a Dracon base), served or written by the end-to-end tests. */
export const TASK = `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: base
  labels:
    v1.dracon.ocurity.com/component: base
spec:
  steps:
    - name: s
      image: busybox
      script: echo hi
`;
