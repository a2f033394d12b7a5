/**
 * `helm template` with values files, for the renderer and the charts that
 * stand in for releases (`offline_releases.ts`). A module of its own so that
 * the deploy path does not load the renderer (and its YAML writer) before
 * it knows that something is to be rendered.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { HelmError } from "../errors.ts";

/** A values file (`-f`), already read: helm gets this text, not the path. */
export interface ValuesFile {
  /** The path as given, named in helm's messages. */
  file: string;
  text: string;
}

/** What {@link templateWithValues} passes to helm. */
export interface TemplateValues {
  /** Values files, in order (`-f`). @default [] */
  values?: readonly ValuesFile[];
  /** `key=value` overrides, in order (`--set`). @default [] */
  set?: readonly string[];
  namespace: string;
  releaseName: string;
}

/**
 * `helm template` of `chart` with the values files written under `dir`
 * (helm reads values only from files); helm's messages name the user's files.
 *
 * @throws {HelmError} when helm is missing or rendering fails
 */
export async function templateWithValues(
  chart: string,
  dir: string,
  deps: Pick<Deps, "fs" | "helm">,
  options: TemplateValues,
): Promise<string> {
  const values = options.values ?? [];
  const paths = values.map((_, i) => `${dir}/values-${i}.yaml`);
  for (const [i, value] of values.entries()) await deps.fs.writeTextFile(paths[i]!, value.text);
  try {
    return await deps.helm.template(chart, {
      releaseName: options.releaseName,
      namespace: options.namespace,
      valuesFiles: paths,
      set: options.set ?? [],
    });
  } catch (error) {
    if (!(error instanceof HelmError) || values.length === 0) throw error;
    let message = error.message;
    values.forEach((value, i) => message = message.replaceAll(paths[i]!, value.file));
    throw new HelmError(message, { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }
}
