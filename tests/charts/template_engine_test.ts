/**
 * The in-process template subset: what it renders, and that everything else
 * is refused (so the caller falls back to helm) rather than guessed.
 * Equality with real helm: tests/cluster/render_differential_test.ts.
 */
import assert from "node:assert/strict";
import {
  renderTemplate,
  type TemplateScope,
  UnsupportedTemplateError,
} from "../../src/charts/template_engine.ts";

const SCOPE: TemplateScope = {
  Values: { image: { registry: "" }, report: { title: "Weekly" }, flag: true, n: 3 },
  Chart: { Name: "dracon-components", Version: "0.1.0", AppVersion: "1.2.3" },
  Release: { Name: "oss", Namespace: "dracon", Service: "Helm" },
};

Deno.test("renderTemplate() renders the kept-expression subset as helm does", () => {
  const cases: [string, string][] = [
    ['{{ default "ghcr.io/ocurity/dracon" .Values.image.registry }}/x', "ghcr.io/ocurity/dracon/x"],
    ['{{ .Values.image.registry | default "docker.io" }}', "docker.io"],
    ["{{ .Values.report.title | quote }}", '"Weekly"'],
    [
      "{{ .Chart.AppVersion }}:{{ .Chart.Name }}@{{ .Chart.Version }}",
      "1.2.3:dracon-components@0.1.0",
    ],
    ["{{ .Release.Namespace }}/{{ $.Release.Name }} {{ .Release.Service }}", "dracon/oss Helm"],
    ["{{ .Values.missing.deep }}", ""],
    ['{{ "{{" }} .Name }}', "{{ .Name }}"],
    ["{{ `raw {{` }}", "raw {{"],
    ["{{ .Values.flag }}", "true"],
    ['{{ default "a" "" }}-{{ default "a" "b" }}', "a-b"],
  ];
  for (const [template, expected] of cases) assert.equal(renderTemplate(template, SCOPE), expected);
});

Deno.test("renderTemplate() refuses what it cannot render exactly as helm", () => {
  for (
    const template of [
      "{{ .Values.n }}", // numbers print as Go floats (1e+06)
      "{{ .Values.image }}", // a map prints as map[…]
      "{{ upper .Values.report.title }}",
      "{{ .Values.x | toYaml }}",
      "{{- .Values.report.title }}",
      "{{ .Release.Revision }}",
      "{{ .Chart.Description }}",
      '{{ (default "a" .Values.x) }}',
      "{{ if .Values.flag }}x{{ end }}",
      '{{ "\\x41" }}',
      '{{ "é" | quote }}',
      '{{ "a\\"b" | quote }}',
      "{{ .Values.report.title.deeper }}",
      "{{ default .Values.x }}",
      "{{ . }}",
    ]
  ) {
    assert.throws(() => renderTemplate(template, SCOPE), UnsupportedTemplateError, template);
  }
});
