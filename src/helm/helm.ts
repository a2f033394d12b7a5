/**
 * The `helm` subprocess, behind a small interface: the real implementation is
 * {@link HelmCli} (`helm_cli.ts`), tests hand in `tests/_fakes/fake_helm.ts`.
 *
 * Every method throws `HelmError` (`../errors.ts`, exit code 6) when `helm`
 * is missing or fails; the message carries helm's own error text, never
 * credentials.
 *
 * @module
 */
import { HelmError } from "../errors.ts";

/** The hint shown when helm is missing. */
export const INSTALL_HINT =
  'install helm v3 or v4 (https://helm.sh/docs/intro/install/) and check that "helm version" works';

/** `helm` is not installed or not on PATH; callers that can do without helm catch it. */
export class HelmNotInstalledError extends HelmError {
  constructor(options: ErrorOptions = {}) {
    super("helm is not installed or not on PATH", { ...options, hint: INSTALL_HINT });
  }
}
/** Options of {@link Helm.template}. */
export interface HelmTemplateOptions {
  /** Values files, in order (`-f`). @default [] */
  valuesFiles?: readonly string[];
  /** `key=value` overrides, in order (`--set`). @default [] */
  set?: readonly string[];
  /** The release name `.Release.Name` renders as. */
  releaseName: string;
  /** The namespace `.Release.Namespace` renders as. @default "default" */
  namespace?: string;
}

/** Options of {@link Helm.package}. */
export interface HelmPackageOptions {
  /** Directory the archive is written to (`--destination`). */
  destination: string;
  /** Overrides the chart's version. @default the version in Chart.yaml */
  version?: string;
  /** Overrides the chart's appVersion. @default the appVersion in Chart.yaml */
  appVersion?: string;
}

/** Options of {@link Helm.push}. */
export interface HelmPushOptions {
  /** Talk plain HTTP to the registry (`--plain-http`). @default false */
  plainHttp?: boolean;
}

/** What {@link Helm.push} reports. */
export interface HelmPushResult {
  /** Where the chart went, e.g. `registry.example/charts/dracon:0.1.0`. */
  ref: string;
  /** The manifest digest, `sha256:…`. */
  digest: string;
}

/**
 * The helm operations draconctl runs. Paths are local filesystem paths;
 * `HelmError` signals a missing or failing `helm`.
 */
export interface Helm {
  /** The helm version, e.g. `v3.22.0`. */
  version(): Promise<string>;
  /** Renders a chart directory or archive; resolves to the YAML stream. */
  template(chart: string, options: HelmTemplateOptions): Promise<string>;
  /**
   * Packages a chart directory; resolves to the archive's path. The archive's
   * bytes depend only on the chart's files (no timestamps).
   */
  package(chartDir: string, options: HelmPackageOptions): Promise<string>;
  /** Lints a chart; resolves to the findings (`[INFO] …`, `[WARNING] …`) when it passes. */
  lint(chart: string): Promise<string[]>;
  /** Pushes a packaged chart to an `oci://` repository. */
  push(archive: string, ociRepo: string, options?: HelmPushOptions): Promise<HelmPushResult>;
}
