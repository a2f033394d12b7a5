/**
 * appliesAsNoOp(): proves a server-side apply would change nothing, or says
 * it cannot. The real server's field sets are checked in
 * tests/cluster/ssa_applier_test.ts (a redeploy sends no PATCH).
 */
import assert from "node:assert/strict";
import { appliesAsNoOp } from "../../src/k8s/managed_fields.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";

const spec = {
  params: [{ name: "p", type: "string", default: "" }],
  steps: [{ name: "s", image: "x" }],
};
const desired: KubeObject = {
  apiVersion: "tekton.dev/v1beta1",
  kind: "Task",
  metadata: { name: "a", namespace: "ns", labels: { "v1.dracon.ocurity.com/component": "base" } },
  spec: {
    params: [{ name: "p", type: "string", default: "" }],
    steps: [{ name: "s", image: "x" }],
  },
};

/** The field set the API server records for `desired` applied by "draconctl". */
const fieldsV1 = {
  "f:metadata": { "f:labels": { "f:v1.dracon.ocurity.com/component": {} } },
  "f:spec": { "f:params": {}, "f:steps": {} },
};

function live(overrides: { fieldsV1?: unknown; entry?: object; spec?: unknown } = {}): KubeObject {
  return {
    ...structuredClone(desired),
    metadata: {
      ...structuredClone(desired.metadata),
      uid: "u",
      resourceVersion: "7",
      labels: { "v1.dracon.ocurity.com/component": "base", "other": "kept" },
      managedFields: [
        { manager: "kubectl", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1" },
        {
          manager: "draconctl",
          operation: "Apply",
          apiVersion: "tekton.dev/v1beta1",
          fieldsType: "FieldsV1",
          fieldsV1: overrides.fieldsV1 ?? fieldsV1,
          ...overrides.entry,
        },
      ],
    },
    spec: overrides.spec ?? structuredClone(desired.spec),
  } as KubeObject;
}

Deno.test("appliesAsNoOp() is true only when the manager owns exactly the desired values", async (t) => {
  await t.step("owned exactly, same values (others' fields ignored)", () => {
    assert.equal(appliesAsNoOp(desired, live(), "draconctl"), true);
  });
  await t.step("map key order does not count", () => {
    const reordered = {
      ...desired,
      spec: { steps: spec.steps, params: spec.params },
    };
    assert.equal(appliesAsNoOp(reordered as KubeObject, live(), "draconctl"), true);
  });
  await t.step("a changed value", () => {
    const changed = { ...structuredClone(spec), steps: [{ name: "s", image: "y" }] };
    assert.equal(appliesAsNoOp(desired, live({ spec: changed }), "draconctl"), false);
  });
  await t.step("a desired field the manager does not own yet", () => {
    const fields = { ...fieldsV1, "f:spec": { "f:steps": {} } };
    assert.equal(appliesAsNoOp(desired, live({ fieldsV1: fields }), "draconctl"), false);
  });
  await t.step("an owned field the desired object drops (the apply would remove it)", () => {
    const fields = { ...fieldsV1, "f:spec": { ...fieldsV1["f:spec"], "f:description": {} } };
    assert.equal(appliesAsNoOp(desired, live({ fieldsV1: fields }), "draconctl"), false);
  });
  await t.step("a list owned per item (associative) is not proven", () => {
    const fields = {
      ...fieldsV1,
      "f:spec": { "f:params": {}, "f:steps": { 'k:{"name":"s"}': { ".": {}, "f:image": {} } } },
    };
    assert.equal(appliesAsNoOp(desired, live({ fieldsV1: fields }), "draconctl"), false);
  });
  await t.step("another manager, an Update entry, another version, a subresource", () => {
    assert.equal(appliesAsNoOp(desired, live(), "helm"), false);
    assert.equal(
      appliesAsNoOp(desired, live({ entry: { operation: "Update" } }), "draconctl"),
      false,
    );
    assert.equal(
      appliesAsNoOp(desired, live({ entry: { apiVersion: "tekton.dev/v1" } }), "draconctl"),
      false,
    );
    assert.equal(
      appliesAsNoOp(desired, live({ entry: { subresource: "status" } }), "draconctl"),
      false,
    );
  });
  await t.step("no managedFields at all", () => {
    const bare = { ...desired, metadata: { ...desired.metadata } };
    assert.equal(appliesAsNoOp(desired, bare, "draconctl"), false);
  });
  await t.step("undefined values are not sent, so not expected to be owned", () => {
    const withUndefined = { ...desired, spec: { ...spec, description: undefined } };
    assert.equal(appliesAsNoOp(withUndefined as KubeObject, live(), "draconctl"), true);
  });
});

Deno.test("appliesAsNoOp(): a field the server dropped inside an owned atomic list is not proven", async (t) => {
  // producer-kics' first step sets `resources`, which a Task CRD served
  // without conversion (storage v1, whose Step has `computeResources`) prunes:
  // live lacks it, the manager still owns `f:steps` as one leaf. Whether the
  // apply changes nothing depends on the server's schema, not on the object:
  // one that keeps it (Tekton's conversion webhook) would add it.
  const step = { name: "run", image: "x", resources: { requests: { cpu: "500m" } } };
  const withResources: KubeObject = { ...desired, spec: { ...spec, steps: [step] } };
  const pruned = { ...spec, steps: [{ name: "run", image: "x" }] };
  await t.step("dropped by the server: asked (a dry run), not skipped", () => {
    assert.equal(appliesAsNoOp(withResources, live({ spec: pruned }), "draconctl"), false);
  });
  await t.step("kept by the server: proven", () => {
    const kept = { ...spec, steps: [structuredClone(step)] };
    assert.equal(appliesAsNoOp(withResources, live({ spec: kept }), "draconctl"), true);
  });
  await t.step("a changed field in the same step, the same structure", () => {
    for (
      const changed of [
        { ...step, image: "y" },
        { ...step, resources: { requests: { cpu: "1" } } },
        { ...step, resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } },
        { name: "run", image: "x" },
      ]
    ) {
      const desiredChanged = { ...desired, spec: { ...spec, steps: [changed] } } as KubeObject;
      const kept = { ...spec, steps: [structuredClone(step)] };
      assert.equal(appliesAsNoOp(desiredChanged, live({ spec: kept }), "draconctl"), false);
    }
  });
});
