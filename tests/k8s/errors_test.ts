/**
 * Status → message mapping, over status bodies recorded from a real
 * kube-apiserver (v1.37, the test environment) with the Tekton CRDs installed.
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import { toKubeError } from "../../src/k8s/errors.ts";
import { isTransient, withRetries } from "../../src/k8s/retry.ts";
import {
  type ApiStatus,
  ApiStatusError,
  ApplyError,
  ClusterUnreachableError,
  KindNotServedError,
  KubeApiError,
} from "../../src/k8s/api_errors.ts";
import type { Task } from "../../src/tekton/types.ts";

/** What the fetch client throws for a non-2xx answer: the HTTP status and the body. */
function statusError(code: number, body: unknown): ApiStatusError {
  return new ApiStatusError(code, body as ApiStatus | string);
}

const SERVER = "https://127.0.0.1:6443";
const TASK: Task = {
  apiVersion: "tekton.dev/v1beta1",
  kind: "Task",
  metadata: { name: "git-clone", namespace: "dracon" },
  spec: { steps: [{ name: "run", image: "alpine" }] },
};

function applyErrorFor(code: number, body: unknown): ApplyError {
  const error = toKubeError(statusError(code, body), { server: SERVER, object: TASK });
  assert.ok(error instanceof ApplyError, `expected ApplyError, got ${error}`);
  assert.equal(error.subject, "task.tekton.dev/git-clone");
  assert.equal(error.object, TASK);
  assert.equal(error.status, code);
  assert.equal(error.exitCode, 5);
  assert.ok(error.message.startsWith("task.tekton.dev/git-clone: "), error.message);
  return error;
}

// Recorded: an apply with field manager "draconctl" over a field "kubectl-edit" set.
const CONFLICT = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: 'Apply failed with 1 conflict: conflict with "kubectl-edit": .spec.description',
  reason: "Conflict",
  details: {
    causes: [{
      reason: "FieldManagerConflict",
      message: 'conflict with "kubectl-edit": .spec.description',
      field: ".spec.description",
    }],
  },
  code: 409,
};

Deno.test("toKubeError() maps API statuses to ApplyError messages", async (t) => {
  await t.step("409 field manager conflict names the manager and --force-conflicts", () => {
    const error = applyErrorFor(409, CONFLICT);
    assert.equal(error.reason, "Conflict");
    assert.ok(
      error.message.includes('.spec.description is owned by "kubectl-edit"'),
      error.message,
    );
    assert.ok(error.hint?.includes("--force-conflicts"));
    assert.equal(error.causes.length, 1);
  });
  await t.step("409 with several managers names each once", () => {
    const error = applyErrorFor(409, {
      ...CONFLICT,
      message: "Apply failed with 3 conflicts: ...",
      details: {
        causes: [
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "a": .spec.x',
            field: ".spec.x",
          },
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "b" using tekton.dev/v1: .spec.y',
            field: ".spec.y",
          },
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "a": .spec.z',
            field: ".spec.z",
          },
        ],
      },
    });
    assert.ok(error.message.includes('owned by "a", "b"'), error.message);
  });
  await t.step("409 without a field manager conflict is a stale object", () => {
    const error = applyErrorFor(409, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message:
        'Operation cannot be fulfilled on tasks.tekton.dev "git-clone": the object has been modified; please apply your changes to the latest version and try again',
      reason: "Conflict",
      details: { name: "git-clone", group: "tekton.dev", kind: "tasks" },
      code: 409,
    });
    assert.ok(error.message.includes("changed by someone else"), error.message);
    assert.ok(!error.hint?.includes("--force-conflicts"));
  });
  await t.step("403 names the user, verb and resource, and hints at RBAC", () => {
    const error = applyErrorFor(403, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'tasks.tekton.dev "git-clone" is forbidden: User "restricted" cannot patch resource "tasks" in API group "tekton.dev" in the namespace "dracon"',
      reason: "Forbidden",
      details: { name: "git-clone", group: "tekton.dev", kind: "tasks" },
      code: 403,
    });
    assert.equal(
      error.message,
      'task.tekton.dev/git-clone: forbidden: user "restricted" cannot patch resource "tasks" in API group "tekton.dev" in namespace "dracon"',
    );
    assert.ok(error.hint?.includes("RBAC"));
    assert.ok(error.hint?.includes("kubectl auth can-i patch tasks.tekton.dev -n dracon"));
  });
  await t.step("422 lists the server's field causes", () => {
    const error = applyErrorFor(422, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Task.tekton.dev "git-clone" is invalid: [spec.steps[0].name: Required value, spec.params[0].name: Invalid value: "integer": spec.params[0].name in body must be of type string: "integer"]',
      reason: "Invalid",
      details: {
        name: "git-clone",
        group: "tekton.dev",
        kind: "Task",
        causes: [
          { reason: "FieldValueRequired", message: "Required value", field: "spec.steps[0].name" },
          {
            reason: "FieldValueTypeInvalid",
            message:
              'Invalid value: "integer": spec.params[0].name in body must be of type string: "integer"',
            field: "spec.params[0].name",
          },
        ],
      },
      code: 422,
    });
    assert.ok(
      error.message.includes("invalid: spec.steps[0].name: Required value; "),
      error.message,
    );
    assert.ok(error.message.includes("spec.params[0].name: Invalid value"), error.message);
    assert.equal(error.causes.length, 2);
  });
  await t.step("500 typed patch failure (wrong type) is invalid and not transient", () => {
    // Recorded verbatim, the body left as JSON text (as client-node handed it over; the fetch
    // client parses a JSON body itself).
    const body =
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object (default/probe; tekton.dev/v1beta1, Kind=Task): .spec.description: expected string, got \\u0026value.valueUnstructured{Value:5}","code":500}\n';
    const error = applyErrorFor(500, body);
    assert.equal(
      error.message,
      "task.tekton.dev/git-clone: invalid: .spec.description: expected string, got 5",
    );
    assert.ok(!isTransient(statusError(500, body)));
  });
  await t.step("422 recorded verbatim (body as JSON text)", () => {
    const body =
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Task.tekton.dev \\"probe\\" is invalid: spec.steps[0].name: Required value","reason":"Invalid","details":{"name":"probe","group":"tekton.dev","kind":"Task","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.steps[0].name"}]},"code":422}\n';
    const error = applyErrorFor(422, body);
    assert.equal(
      error.message,
      "task.tekton.dev/git-clone: invalid: spec.steps[0].name: Required value",
    );
    assert.equal(error.reason, "Invalid");
  });
  await t.step("404 for a missing namespace says so", () => {
    const error = applyErrorFor(404, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'namespaces "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "namespaces" },
      code: 404,
    });
    assert.ok(error.message.endsWith('namespace "nope" does not exist'), error.message);
    assert.ok(error.hint?.includes("kubectl create namespace nope"));
  });
  await t.step("401 does not echo anything from the request", () => {
    const error = applyErrorFor(401, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    });
    assert.ok(error.message.includes("unauthorized"), error.message);
  });
  await t.step("a body given as a JSON string is parsed", () => {
    const error = applyErrorFor(409, JSON.stringify(CONFLICT));
    assert.ok(error.message.includes('"kubectl-edit"'));
  });
});

Deno.test("toKubeError() reports a kind the cluster does not serve", async (t) => {
  await t.step("404 on discovery (no details)", () => {
    const error = toKubeError(
      statusError(404, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        details: {},
        code: 404,
      }),
      { server: SERVER, object: TASK },
    );
    assert.ok(error instanceof KindNotServedError);
    assert.equal(
      error.message,
      "The Task kind (tekton.dev) is not installed on this cluster: tekton.dev/v1beta1 is not served",
    );
    assert.ok(error.hint?.includes("install Tekton Pipelines"));
  });
});

Deno.test("toKubeError() for a LIST names the kind and namespace", () => {
  const error = toKubeError(
    statusError(403, {
      message:
        'tasks.tekton.dev is forbidden: User "nobody" cannot list resource "tasks" in API group "tekton.dev" in the namespace "dracon"',
      reason: "Forbidden",
      code: 403,
    }),
    { server: SERVER, kind: "Task", namespace: "dracon", apiVersion: "tekton.dev/v1beta1" },
  );
  assert.ok(error instanceof KubeApiError && !(error instanceof ApplyError));
  assert.equal(error.subject, 'tasks.tekton.dev in namespace "dracon"');
  assert.ok(error.message.includes('cannot list resource "tasks"'), error.message);
});

Deno.test("toKubeError() maps network failures to ClusterUnreachableError", async (t) => {
  const cases: [string, Error, string][] = [
    [
      "connection refused",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
          code: "ECONNREFUSED",
        }),
      }),
      "connection refused",
    ],
    [
      "DNS",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND nope.invalid"), {
          code: "ENOTFOUND",
        }),
      }),
      "does not resolve",
    ],
    [
      "untrusted certificate",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("self-signed certificate in certificate chain"), {
          code: "SELF_SIGNED_CERT_IN_CHAIN",
        }),
      }),
      "not trusted",
    ],
  ];
  for (const [name, raw, text] of cases) {
    await t.step(name, () => {
      const error = toKubeError(raw, { server: SERVER, object: TASK });
      assert.ok(error instanceof ClusterUnreachableError, `${error}`);
      assert.ok(error.message.startsWith(`Cannot reach the API server "${SERVER}": `));
      assert.ok(error.message.includes(text), error.message);
      assert.ok(error.hint);
      assert.equal(error.cause, raw);
    });
  }
});

Deno.test("toKubeError() leaves other errors (bugs) and ClusterErrors alone", () => {
  const bug = new RangeError("oops");
  assert.equal(toKubeError(bug, { server: SERVER }), bug);
  const known = new ClusterError("already mapped");
  assert.equal(toKubeError(known, { server: SERVER }), known);
});

Deno.test("isTransient() retries 429/5xx and resets, never other 4xx", () => {
  for (const code of [429, 500, 502, 503, 504]) {
    assert.ok(isTransient(statusError(code, {})), `${code}`);
  }
  for (const code of [400, 401, 403, 404, 409, 422]) {
    assert.ok(!isTransient(statusError(code, {})), `${code}`);
  }
  const reset = new TypeError("fetch failed", {
    cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  });
  assert.ok(isTransient(reset));
  assert.ok(!isTransient(new RangeError("bug")));
});

Deno.test("withRetries() backs off exponentially and stops after 3 tries", async (t) => {
  await t.step("succeeds on the third try", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetries(() => {
      calls++;
      if (calls < 3) throw statusError(503, {});
      return Promise.resolve("ok");
    }, { sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    assert.equal(result, "ok");
    assert.deepEqual(sleeps, [200, 400]);
  });
  await t.step("gives up with the last error", async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(() => {
        calls++;
        throw statusError(500, {});
      }, { sleep: () => Promise.resolve() }),
      (e: unknown) => e instanceof ApiStatusError && e.code === 500,
    );
    assert.equal(calls, 3);
  });
  await t.step("waits as long as a 429's retryAfterSeconds asks, capped at 5 s", async () => {
    const sleeps: number[] = [];
    const initializing = {
      code: 429,
      reason: "TooManyRequests",
      message: "storage is (re)initializing",
      details: { retryAfterSeconds: 1 },
    };
    let calls = 0;
    const result = await withRetries(() => {
      calls++;
      if (calls === 1) throw statusError(429, initializing);
      if (calls === 2) {
        throw statusError(429, { ...initializing, details: { retryAfterSeconds: 60 } });
      }
      return Promise.resolve("ok");
    }, { sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    assert.equal(result, "ok");
    assert.deepEqual(sleeps, [1000, 5000]);
  });
  await t.step("does not retry a 4xx", async () => {
    let calls = 0;
    await assert.rejects(withRetries(() => {
      calls++;
      throw statusError(409, CONFLICT);
    }, { sleep: () => Promise.reject(new Error("must not sleep")) }));
    assert.equal(calls, 1);
  });
});
