/**
 * A {@link Helm} for unit tests: no subprocess. It reads and writes charts
 * through a {@link FileSystem}, renders the subset of Go templates that the
 * kept-expression rule allows (`.Values`/`.Chart`/`.Release` references,
 * string literals, `default`, `quote`, `replace`), and has error knobs.
 * Real-helm behaviour is proven by the tests under `tests/cluster/`.
 *
 * @module
 */
import { HelmError } from "../../src/errors.ts";
import {
  type Helm,
  HelmNotInstalledError,
  type HelmPackageOptions,
  type HelmPushOptions,
  type HelmPushResult,
  type HelmTemplateOptions,
} from "../../src/helm/helm.ts";
import type { FileSystem } from "../../src/io/filesystem.ts";
import { isMapping, parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";

/** One recorded call. */
export interface HelmCall {
  method: "version" | "template" | "package" | "lint" | "push";
  args: unknown[];
}

/** A scriptable {@link Helm}. */
export class FakeHelm implements Helm {
  /** `false`: every call throws the "not installed" HelmError. */
  installed = true;
  /** When set, the named method throws it. */
  templateError: Error | undefined;
  packageError: Error | undefined;
  lintError: Error | undefined;
  pushError: Error | undefined;
  /** What `lint` reports when it passes. */
  lintFindings: string[] = ["[INFO] Chart.yaml: icon is recommended"];
  /** What `push` reports. */
  digest = `sha256:${"ab".repeat(32)}`;
  /** Every call, in order. */
  readonly calls: HelmCall[] = [];

  constructor(private readonly fs: FileSystem = new DenoFileSystem()) {}

  version(): Promise<string> {
    return this.#call("version", [], undefined, () => Promise.resolve("v3.22.0-fake"));
  }

  template(chart: string, options: HelmTemplateOptions): Promise<string> {
    return this.#call("template", [chart, options], this.templateError, async () => {
      const meta = await this.#chartYaml(chart);
      let values = await this.#yaml(`${chart}/values.yaml`);
      for (const file of options.valuesFiles ?? []) values = merge(values, await this.#yaml(file));
      for (const pair of options.set ?? []) values = merge(values, setValue(pair));
      const scope = {
        Values: values,
        Chart: { Name: meta.name, Version: meta.version, AppVersion: meta.appVersion },
        Release: {
          Name: options.releaseName,
          Namespace: options.namespace ?? "default",
          Service: "Helm",
        },
      };
      const templates = (await this.fs.readDir(`${chart}/templates`))
        .filter((e) => e.name.endsWith(".yaml")).map((e) => e.name);
      let out = "";
      for (const name of templates) {
        const text = await this.fs.readTextFile(`${chart}/templates/${name}`);
        out += `---\n# Source: ${meta.name}/templates/${name}\n${render(text, scope)}`;
      }
      return out;
    });
  }

  package(chartDir: string, options: HelmPackageOptions): Promise<string> {
    return this.#call("package", [chartDir, options], this.packageError, async () => {
      const meta = await this.#chartYaml(chartDir);
      const version = options.version ?? meta.version;
      const path = `${options.destination}/${meta.name}-${version}.tgz`;
      let content = "";
      for (const file of await this.#files(chartDir, "")) {
        content += `== ${file}\n${await this.fs.readTextFile(`${chartDir}/${file}`)}`;
      }
      await this.fs.writeTextFile(path, content);
      return path;
    });
  }

  lint(chart: string): Promise<string[]> {
    return this.#call(
      "lint",
      [chart],
      this.lintError,
      () => Promise.resolve([...this.lintFindings]),
    );
  }

  push(archive: string, ociRepo: string, options: HelmPushOptions = {}): Promise<HelmPushResult> {
    return this.#call("push", [archive, ociRepo, options], this.pushError, () => {
      const base = archive.split("/").at(-1)!.replace(/\.tgz$/, "");
      const [, name, version] = /^(.*)-(\d.*)$/.exec(base) ?? [base, base, "0.0.0"];
      const ref = `${ociRepo.replace(/^oci:\/\//, "")}/${name}:${version}`;
      return Promise.resolve({ ref, digest: this.digest });
    });
  }

  async #call<T>(
    method: HelmCall["method"],
    args: unknown[],
    error: Error | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    this.calls.push({ method, args });
    if (!this.installed) {
      throw new HelmNotInstalledError();
    }
    if (error) throw error;
    return await fn();
  }

  async #chartYaml(dir: string): Promise<Record<string, string>> {
    return await this.#yaml(`${dir}/Chart.yaml`) as Record<string, string>;
  }

  async #yaml(path: string): Promise<Record<string, unknown>> {
    const value = (await parseYamlDocuments(await this.fs.readTextFile(path), path))[0]?.value;
    return isMapping(value) ? value : {};
  }

  async #files(root: string, dir: string): Promise<string[]> {
    const files: string[] = [];
    for (const entry of await this.fs.readDir(dir ? `${root}/${dir}` : root)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      files.push(...entry.isDirectory ? await this.#files(root, path) : [path]);
    }
    return files;
  }
}

/** Renders every action of the supported subset; anything else is a HelmError. */
function render(text: string, scope: Record<string, unknown>): string {
  return text.replace(/\{\{(.*?)\}\}/g, (_, inner: string) => {
    let value: unknown = undefined;
    for (const stage of inner.split("|").map((s) => s.trim())) {
      value = evaluate(stage, scope, value);
    }
    return value === undefined || value === null ? "" : String(value);
  });
}

function evaluate(stage: string, scope: Record<string, unknown>, piped: unknown): unknown {
  const args = [...stage.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
    m[1] !== undefined ? JSON.parse(`"${m[1]}"`) as string : lookup(m[2]!, scope)
  );
  const fn = /^[a-z]\w*/.exec(stage)?.[0];
  if (fn === undefined) return args[0];
  const rest = args.slice(1);
  if (piped !== undefined) rest.push(piped);
  if (fn === "default") return rest[1] === undefined || rest[1] === "" ? rest[0] : rest[1];
  if (fn === "quote") return JSON.stringify(String(rest[0] ?? ""));
  if (fn === "replace") return String(rest[2]).replaceAll(String(rest[0]), String(rest[1]));
  throw new HelmError(`fake helm cannot render "${stage}"`);
}

function lookup(token: string, scope: Record<string, unknown>): unknown {
  if (!token.startsWith(".") && !token.startsWith("$.")) return token;
  let value: unknown = scope;
  for (const key of token.replace(/^\$?\./, "").split(".")) {
    value = isMapping(value) ? value[key] : undefined;
  }
  return value;
}

function setValue(pair: string): Record<string, unknown> {
  const [path, ...rest] = pair.split("=");
  const keys = path!.split(".");
  let value: unknown = rest.join("=");
  for (const key of keys.reverse()) value = { [key]: value };
  return value as Record<string, unknown>;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const result = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const old = result[key];
    result[key] = isMapping(old) && isMapping(value) ? merge(old, value) : value;
  }
  return result;
}
