/**
 * The checks on a chart's name and versions, with Helm's rules and the
 * Kubernetes label limits they end up in.
 *
 * @module
 */

/** Helm's naming convention: lowercase letters, digits, words separated by `-`. */
const CHART_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** SemVer 2.0.0 (https://semver.org), which Helm requires of chart versions. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** A Kubernetes label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_LABEL = 63;

/** What {@link chartProblems} checks. */
export interface ChartIdentity {
  name: string;
  chartVersion: string;
  appVersion: string;
}

/**
 * Every problem with a chart's name, version and appVersion, one line each.
 * The name and version also form the `helm.sh/chart` label
 * (`<name>-<version>`, `+` as `_`), and appVersion the
 * `app.kubernetes.io/version` label, so both must fit a label value.
 */
export function chartProblems(identity: ChartIdentity): string[] {
  const { name, chartVersion, appVersion } = identity;
  const problems: string[] = [];
  if (!CHART_NAME.test(name)) {
    problems.push(
      `Invalid chart name "${name}": expected lowercase letters and digits, words separated by "-" (Helm's convention)`,
    );
  }
  if (!SEMVER.test(chartVersion)) {
    problems.push(
      `Invalid chart version "${chartVersion}": expected a SemVer 2 version such as "0.1.0"`,
    );
  }
  const chartLabel = `${name}-${chartVersion.replaceAll("+", "_")}`;
  if (problems.length === 0 && chartLabel.length > MAX_LABEL) {
    problems.push(
      `Chart name and version "${chartLabel}" are longer than ${MAX_LABEL} characters: they form the "helm.sh/chart" label`,
    );
  }
  if (appVersion.length > MAX_LABEL || !LABEL_VALUE.test(appVersion) || appVersion === "") {
    problems.push(
      `Invalid app version "${appVersion}": expected at most ${MAX_LABEL} letters, digits, ".", "-" or "_", starting and ending with a letter or digit (it is an image tag and a label)`,
    );
  }
  return problems;
}
