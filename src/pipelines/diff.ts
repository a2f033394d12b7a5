/**
 * `pipelines diff <kustomization>`: what a deploy would change, object by
 * object, as a unified diff of the live object against the server-side dry
 * run of what deploy sends (`kubectl diff --server-side`), both with the
 * managed fields, the status and what every write changes (resourceVersion,
 * generation, uid, creationTimestamp) stripped. Helm's Tasks are not
 * applied, so not diffed.
 *
 * A field another field manager owns is a conflict for a plain deploy: the
 * dry run is then repeated with `force` and the object says that deploy
 * needs `--force-conflicts`.
 *
 * @module
 */
import { createTwoFilesPatch } from "diff";
import { LoadError } from "../errors.ts";
import { ApiStatusError } from "../k8s/api_errors.ts";
import { toKubeError } from "../k8s/errors.ts";
import type { KubeObject } from "../k8s/objects.ts";
import { subjectOf } from "../k8s/objects.ts";
import { withoutVolatileFields } from "../k8s/ssa_applier.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import { toYaml } from "../yaml/yaml.ts";
import { type InspectDeps, resolveTarget, type TargetOptions } from "./inspect.ts";
import type { PolicyReport } from "./policy_gate.ts";

/** One object of a diff. */
export interface ObjectDiff {
  subject: string;
  /** `created`: not live yet; `changed`; `unchanged`. */
  change: "created" | "changed" | "unchanged";
  /** The deploy would fail on a field another manager owns unless `--force-conflicts`. */
  conflict: boolean;
  /** Unified diff, live → after the deploy; empty when unchanged. */
  diff: string;
}

/** What `pipelines diff` found. */
export interface DiffResult {
  namespace: string;
  pipeline: string;
  objects: ObjectDiff[];
  changed: boolean;
  /** The policy gate's report (it passed), when a policy applied. */
  policy?: PolicyReport;
}

/** Diffs what a deploy of `kustomization` would apply against what is live. */
export async function diffPipeline(
  kustomization: string,
  deps: InspectDeps,
  cluster: ClusterOptions,
  options: TargetOptions = {},
): Promise<DiffResult> {
  if (await deps.fs.stat(kustomization) === undefined) {
    // A diff needs what deploy would send: a Pipeline name is not enough.
    throw new LoadError(kustomization, "no such file or directory", {
      hint: "pass a kustomization file or a directory holding kustomization.yaml",
    });
  }
  const { pipeline, desired } = await resolveTarget(kustomization, deps, cluster, options);
  const { client, namespace, server } = await deps.cluster(cluster);
  const objects = (desired?.objects ?? []).map((o) => ({
    ...o,
    metadata: { ...o.metadata, namespace },
  })) as KubeObject[];
  const diffs = await Promise.all(objects.map(async (object): Promise<ObjectDiff> => {
    const subject = subjectOf(object);
    try {
      const live = await client.get(
        object.apiVersion,
        object.kind,
        namespace,
        object.metadata.name,
      );
      const options = { fieldManager: cluster.fieldManager, dryRun: true };
      let conflict = false;
      let after: KubeObject;
      try {
        after = await client.apply(object, { ...options, force: false });
      } catch (error) {
        if (!(error instanceof ApiStatusError && error.code === 409)) throw error;
        conflict = true;
        after = await client.apply(object, { ...options, force: true });
      }
      const before = live === undefined ? "" : await toYaml(withoutVolatileFields(live));
      const next = await toYaml(withoutVolatileFields(after));
      const change = live === undefined ? "created" : before === next ? "unchanged" : "changed";
      const diff = change === "unchanged"
        ? ""
        : createTwoFilesPatch(`live/${subject}`, `deploy/${subject}`, before, next, "", "", {
          context: 3,
        });
      return { subject, change, conflict, diff };
    } catch (error) {
      throw toKubeError(error, { server, object });
    }
  }));
  return {
    namespace,
    pipeline,
    objects: diffs,
    changed: diffs.some((d) => d.change !== "unchanged"),
    ...(desired?.policy === undefined ? {} : { policy: desired.policy }),
  };
}
