/**
 * {@link Helm} by running the `helm` binary (v3 or v4) with `Deno.Command`.
 * draconctl ships with `--allow-run=helm`, so the binary is the `helm` on
 * PATH unless a test names another.
 *
 * Output differences between the majors handled here: `helm push` prints
 * `Pushed:`/`Digest:` on stderr in v3 and on stdout in v4; `helm lint` puts
 * its findings on stdout in both, and its summary on stderr.
 *
 * @example
 * ```ts
 * const helm = new HelmCli();
 * const archive = await helm.package("/tmp/chart", { destination: "." });
 * const { digest } = await helm.push(archive, "oci://registry.example/charts");
 * ```
 *
 * @module
 */
import { HelmError } from "../errors.ts";
import { normalizeChartArchive } from "./archive.ts";
import {
  type Helm,
  HelmNotInstalledError,
  type HelmPackageOptions,
  type HelmPushOptions,
  type HelmPushResult,
  type HelmTemplateOptions,
  INSTALL_HINT,
} from "./helm.ts";

/** Options of {@link HelmCli}. */
export interface HelmCliOptions {
  /** The binary to run. @default "helm" (looked up on PATH) */
  binary?: string;
  /** Extra environment variables for helm (e.g. `HELM_CONFIG_HOME`). @default {} */
  env?: Record<string, string>;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** The real {@link Helm}: one `helm` process per call. */
export class HelmCli implements Helm {
  readonly #binary: string;
  readonly #env: Record<string, string>;

  constructor(options: HelmCliOptions = {}) {
    this.#binary = options.binary ?? "helm";
    this.#env = options.env ?? {};
  }

  async version(): Promise<string> {
    const { stdout } = await this.#run(["version", "--template", "{{ .Version }}"], {
      hint: INSTALL_HINT,
    });
    return stdout.trim();
  }

  async template(chart: string, options: HelmTemplateOptions): Promise<string> {
    const args = ["template", options.releaseName, chart];
    args.push("--namespace", options.namespace ?? "default");
    for (const file of options.valuesFiles ?? []) args.push("--values", file);
    for (const pair of options.set ?? []) args.push("--set", pair);
    const { stdout } = await this.#run(args, {
      hint:
        "check the values given with --set and -f/--values, and the Helm expressions in the Task",
      secrets: options.set ?? [],
    });
    return stdout;
  }

  async package(chartDir: string, options: HelmPackageOptions): Promise<string> {
    const args = ["package", chartDir, "--destination", options.destination];
    if (options.version !== undefined) args.push("--version", options.version);
    if (options.appVersion !== undefined) args.push("--app-version", options.appVersion);
    const { stdout, stderr } = await this.#run(args, {
      hint: `run "helm package ${chartDir}" to see the problem`,
    });
    const path = /saved it to: (.+)$/m.exec(`${stdout}\n${stderr}`)?.[1]?.trim();
    if (path === undefined) {
      throw new HelmError(`helm package printed no archive path: "${stdout.trim()}"`);
    }
    await Deno.writeFile(path, await normalizeChartArchive(await Deno.readFile(path)));
    return path;
  }

  async lint(chart: string): Promise<string[]> {
    const { stdout } = await this.#run(["lint", chart], {
      hint: `run "helm lint ${chart}" to see every finding`,
    });
    return findings(stdout);
  }

  async push(
    archive: string,
    ociRepo: string,
    options: HelmPushOptions = {},
  ): Promise<HelmPushResult> {
    const args = ["push", archive, ociRepo];
    if (options.plainHttp) args.push("--plain-http");
    const { stdout, stderr } = await this.#run(args, {
      hint: `check the address, log in with "helm registry login <host>", ` +
        `or add --plain-http for a registry without TLS`,
    });
    const text = `${stdout}\n${stderr}`; // v3 reports on stderr, v4 on stdout
    const digest = /^Digest:\s*(sha256:[0-9a-f]{64})\s*$/m.exec(text)?.[1];
    const ref = /^Pushed:\s*(\S+)\s*$/m.exec(text)?.[1];
    if (digest === undefined || ref === undefined) {
      throw new HelmError(`helm push printed no digest: "${redact(text.trim(), [])}"`);
    }
    return { ref: redact(ref, []), digest };
  }

  async #run(
    args: string[],
    context: { hint: string; secrets?: readonly string[] },
  ): Promise<RunResult> {
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command(this.#binary, {
        args,
        env: this.#env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new HelmNotInstalledError({ cause: error });
      }
      throw error;
    }
    const result = {
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
    };
    if (output.code !== 0) {
      const detail = failureDetail(args[0]!, result);
      throw new HelmError(
        `helm ${args[0]} failed (exit code ${output.code}): ${
          redact(detail, context.secrets ?? [])
        }`,
        { hint: context.hint },
      );
    }
    return result;
  }
}

/** The `[INFO]`/`[WARNING]`/`[ERROR]` lines of `helm lint` output, continuation lines joined. */
function findings(stdout: string): string[] {
  const found: string[] = [];
  for (const line of stdout.split("\n")) {
    if (/^\[(INFO|WARNING|ERROR)\]/.test(line)) found.push(line.trim());
    else if (/^\s+\S/.test(line) && found.length > 0) found[found.length - 1] += ` ${line.trim()}`;
  }
  return found;
}

/** Helm's own words: stderr without `Error: ` prefixes, plus lint's `[ERROR]` findings. */
function failureDetail(command: string, result: RunResult): string {
  const errors = command === "lint"
    ? findings(result.stdout).filter((line) => line.startsWith("[ERROR]"))
    : [];
  const stderr = result.stderr.split("\n")
    .map((line) => line.replace(/^Error: /, "").trimEnd())
    .filter((line) => line !== "" && !line.startsWith("Use --debug flag"));
  return [...errors, ...stderr].join("\n").trim() || "no error message";
}

/** Removes URL credentials and every `--set` value from text shown to the user. */
function redact(text: string, sets: readonly string[]): string {
  let result = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");
  for (const pair of sets) {
    const value = pair.slice(pair.indexOf("=") + 1);
    if (value.length >= 3) result = result.split(value).join("***");
  }
  return result;
}
