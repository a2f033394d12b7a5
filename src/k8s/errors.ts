/**
 * Errors of the Kubernetes API, mapped from what the client throws to typed
 * {@link ClusterError}s with readable messages ({@link toKubeError}). The
 * error types are in `api_errors.ts`, network causes in `network.ts`, the
 * retry policy in `retry.ts`.
 *
 * The mapping is structural (an error with a numeric `code` and a `body`
 * holding a `metav1.Status`, as the fetch client's {@link ApiStatusError}
 * has), so this module does not import the client and unit tests can feed
 * it recorded status bodies.
 *
 * @example
 * ```ts
 * import { ClusterUnreachableError } from "./api_errors.ts";
 * const server = "https://127.0.0.1:6443";
 * const refused = new TypeError("error sending request: Connection refused (os error 111)");
 * const error = toKubeError(refused, { server });
 * error instanceof ClusterUnreachableError; // true
 * (error as ClusterUnreachableError).message; // 'Cannot reach the API server "https://127.0.0.1:6443": connection refused'
 * ```
 * @module
 */
import { ClusterError } from "../errors.ts";
import {
  type ApiStatus,
  apiStatusOf,
  ApplyError,
  ClusterUnreachableError,
  KindNotServedError,
  KubeApiError,
  type KubeApiErrorOptions,
  type RequestContext,
  type StatusCause,
} from "./api_errors.ts";
import { networkReasonOf } from "./network.ts";
import { collectionSubjectOf, subjectOf } from "./objects.ts";

/**
 * Maps anything the client threw to a {@link ClusterError}: an API status to a
 * {@link KubeApiError} ({@link ApplyError} when `context.object` is set), a
 * network failure to {@link ClusterUnreachableError}, an unknown kind to
 * {@link KindNotServedError}. Other errors (bugs) are returned unchanged.
 */
export function toKubeError(error: unknown, context: RequestContext): unknown {
  if (error instanceof ClusterError) return error;
  const api = apiStatusOf(error);
  if (api !== undefined) return fromStatus(api.code, api.status, context, error);
  const network = networkReasonOf(error);
  if (network !== undefined) {
    return new ClusterUnreachableError(context.server, network.reason, {
      hint: network.hint,
      cause: error,
    });
  }
  return error;
}

function fromStatus(
  code: number,
  status: ApiStatus,
  context: RequestContext,
  cause: unknown,
): KubeApiError | KindNotServedError {
  const subject = context.object
    ? subjectOf(context.object)
    : collectionSubjectOf(context.kind ?? "object", context.namespace, context.apiVersion);
  const { message, hint } = describeStatus(code, status, context);
  if (message === undefined) {
    const apiVersion = context.object?.apiVersion ?? context.apiVersion ?? "";
    const kind = context.object?.kind ?? context.kind ?? "object";
    return new KindNotServedError(apiVersion, kind, { cause });
  }
  const options: KubeApiErrorOptions = {
    status: code,
    reason: status.reason ?? "Unknown",
    causes: status.details?.causes ?? [],
    cause,
    ...(hint === undefined ? {} : { hint }),
  };
  return context.object
    ? new ApplyError(context.object, `${subject}: ${message}`, options)
    : new KubeApiError(subject, `${subject}: ${message}`, options);
}

/**
 * The message and hint for an API status. `message` is `undefined` when the
 * status says the kind itself is not served (a 404 without details).
 */
export function describeStatus(
  code: number,
  status: ApiStatus,
  context: Pick<RequestContext, "object" | "namespace"> = {},
): { message: string | undefined; hint?: string } {
  const text = status.message ?? `HTTP ${code}`;
  const causes = status.details?.causes ?? [];
  if (code === 409) return describeConflict(text, causes);
  if (code === 403) {
    const m =
      /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/
        .exec(text);
    const who = /User "([^"]+)"/.exec(text)?.[1];
    const what = m
      ? `cannot ${m[1]} resource "${m[2]}" in API group "${m[3]}"` +
        (m[4] ? ` in namespace "${m[4]}"` : "")
      : text;
    return {
      message: `forbidden: ${who ? `user "${who}" ` : ""}${what}`,
      hint: `check the RBAC rules of your identity${
        m
          ? ` (kubectl auth can-i ${m[1]} ${m[2]}${m[3] ? `.${m[3]}` : ""}${
            m[4] ? ` -n ${m[4]}` : ""
          })`
          : ""
      }`,
    };
  }
  if (code === 422) {
    const fields = causes.map((c) => `${c.field ?? "?"}: ${c.message ?? c.reason ?? "invalid"}`);
    return {
      message: `invalid: ${fields.length ? fields.join("; ") : text}`,
    };
  }
  if (code === 404) return describeNotFound(status, context);
  const typed = typedPatchFailure(status);
  if (typed !== undefined) return { message: `invalid: ${typed}` };
  if (code === 401) {
    return {
      message: "unauthorized: the API server did not accept the credentials",
      hint: "check the user of the kubeconfig context (expired token or certificate?)",
    };
  }
  return { message: `HTTP ${code}${status.reason ? ` ${status.reason}` : ""}: ${text}` };
}

/**
 * A server-side apply whose body does not fit the schema (a number where a
 * string belongs) fails with 500 "failed to create typed patch object": the
 * field and the problem, or `undefined` for other statuses.
 */
export function typedPatchFailure(status: ApiStatus): string | undefined {
  const m = /^failed to create typed patch object \([^)]*\): ([\s\S]*)$/.exec(status.message ?? "");
  return m?.[1]?.replace(/&value\.valueUnstructured\{Value:(.*?)\}/g, "$1").trim();
}

function describeConflict(
  text: string,
  causes: readonly StatusCause[],
): { message: string; hint?: string } {
  const managers = new Set<string>();
  for (const cause of causes) {
    if (cause.reason !== "FieldManagerConflict") continue;
    const manager = /conflict with "([^"]+)"/.exec(cause.message ?? "")?.[1];
    if (manager !== undefined) managers.add(manager);
  }
  if (managers.size === 0 && !/Apply failed with/.test(text)) {
    return {
      message: `conflict: the object was changed by someone else (${text})`,
      hint: "run the command again",
    };
  }
  const fields = causes.map((c) => c.field).filter((f) => f !== undefined);
  const names = [...managers].map((m) => `"${m}"`).join(", ");
  return {
    message: `field manager conflict: ${fields.join(", ") || "fields"} ${
      fields.length === 1 ? "is" : "are"
    } owned by ${names || "another field manager"}`,
    hint: `pass --force-conflicts to take ownership of these fields`,
  };
}

function describeNotFound(
  status: ApiStatus,
  context: Pick<RequestContext, "object" | "namespace">,
): { message: string | undefined; hint?: string } {
  const details = status.details;
  if (details?.kind === "namespaces") {
    const ns = details.name ?? context.object?.metadata.namespace ?? context.namespace;
    return {
      message: `namespace "${ns}" does not exist`,
      hint: `create it with "kubectl create namespace ${ns}", or pick another with --namespace`,
    };
  }
  if (details?.kind === undefined && details?.name === undefined) return { message: undefined };
  return { message: `not found: ${status.message ?? "the object does not exist"}` };
}
