/**
 * Errors of the Kubernetes API, mapped from what the client throws to typed
 * {@link ClusterError}s with readable messages, and the retry policy for
 * transient failures.
 *
 * The mapping is structural (an error with a numeric `code` and a `body`
 * holding a `metav1.Status`, as the fetch client's {@link ApiStatusError}
 * has), so this module does not import the client and unit tests can feed
 * it recorded status bodies.
 *
 * @example
 * ```ts
 * const server = "https://127.0.0.1:6443";
 * const refused = new TypeError("error sending request: Connection refused (os error 111)");
 * const error = toKubeError(refused, { server });
 * error instanceof ClusterUnreachableError; // true
 * (error as ClusterUnreachableError).message; // 'Cannot reach the API server "https://127.0.0.1:6443": connection refused'
 * ```
 * @module
 */
import { ClusterError, type DraconErrorOptions } from "../errors.ts";
import {
  errorChainOf,
  type FailureCause,
  failureCauseOf,
  type FailureKind,
} from "../base/failure_cause.ts";
import { collectionSubjectOf, type KubeObject, subjectOf } from "./objects.ts";

/** One cause of a `metav1.Status` (`details.causes[]`). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a `metav1.Status` draconctl reads. */
export interface ApiStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

/** Options of {@link KubeApiError}. */
export interface KubeApiErrorOptions extends DraconErrorOptions {
  /** HTTP status code. */
  status: number;
  /** The status reason (`Conflict`, `Forbidden`, `Invalid`, `NotFound`, …). */
  reason: string;
  /** The status causes, as the server sent them. */
  causes?: StatusCause[];
}

/** The API server answered a request with an error status. */
export class KubeApiError extends ClusterError {
  /** HTTP status code. */
  readonly status: number;
  /** The status reason (`Conflict`, `Forbidden`, `Invalid`, `NotFound`, …). */
  readonly reason: string;
  /** The status causes, as the server sent them. */
  readonly causes: readonly StatusCause[];
  /** What the request was about: `task.tekton.dev/git-clone`, or `tasks.tekton.dev in namespace "x"` for a list. */
  readonly subject: string;
  constructor(subject: string, message: string, options: KubeApiErrorOptions) {
    super(message, options);
    this.subject = subject;
    this.status = options.status;
    this.reason = options.reason;
    this.causes = options.causes ?? [];
  }
}

/** Applying one object failed; carries the object and the API status. */
export class ApplyError extends KubeApiError {
  /** The object that was being applied. */
  readonly object: KubeObject;
  constructor(object: KubeObject, message: string, options: KubeApiErrorOptions) {
    super(subjectOf(object), message, options);
    this.object = object;
  }
}

/** The API server could not be reached (refused, DNS, TLS, timeout). */
export class ClusterUnreachableError extends ClusterError {
  constructor(
    /** The API server URL. */
    readonly server: string,
    reason: string,
    options: DraconErrorOptions = {},
  ) {
    super(`Cannot reach the API server "${server}": ${reason}`, options);
  }
}

/** The API version and kind of an object are not served by the cluster. */
export class KindNotServedError extends ClusterError {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    options: DraconErrorOptions = {},
  ) {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0]! : "core";
    super(
      `The ${kind} kind (${group}) is not installed on this cluster: ${apiVersion} is not served`,
      {
        hint: group === "tekton.dev"
          ? "install Tekton Pipelines (https://tekton.dev/docs/installation/pipelines/)"
          : `install the CustomResourceDefinition that serves ${kind} ${apiVersion}`,
        ...options,
      },
    );
  }
}

/** What a failed request was about, for {@link toKubeError}. */
export interface RequestContext {
  /** The API server URL, for connection errors. */
  server: string;
  /** The object applied; its subject prefixes the message. */
  object?: KubeObject;
  /** For requests without an object (a LIST): the kind, namespace and API version. */
  kind?: string;
  namespace?: string;
  apiVersion?: string;
}

/**
 * A non-2xx answer of the API server, as the fetch client throws it: the
 * HTTP status as `code` and the body (a `metav1.Status`, or text) as `body`,
 * for {@link toKubeError}.
 */
export class ApiStatusError extends Error {
  constructor(
    /** HTTP status code. */
    readonly code: number,
    /** The parsed `Status` body, or the body text when it is not JSON. */
    readonly body: ApiStatus | string,
    options?: ErrorOptions,
  ) {
    super(`HTTP ${code}`, options);
    this.name = "ApiStatusError";
  }
}

/** The status of an {@link ApiStatusError}-like error, or `undefined` when it is not one. */
export function apiStatusOf(error: unknown): { code: number; status: ApiStatus } | undefined {
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "number") {
    return undefined;
  }
  const body = "body" in error ? parseBody(error.body) : {};
  return { code: error.code, status: body };
}

function parseBody(body: unknown): ApiStatus {
  if (typeof body === "string") {
    try {
      return parseBody(JSON.parse(body));
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  return body !== null && typeof body === "object" ? body as ApiStatus : {};
}

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
function typedPatchFailure(status: ApiStatus): string | undefined {
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

/** The remedy for each class of network failure, on the API server's side. */
const NETWORK_HINTS: Record<FailureKind, string> = {
  refused: "is the cluster running? check the server of the kubeconfig context",
  dns: "check the server of the kubeconfig context and your DNS",
  certificate:
    "set certificate-authority(-data) of the cluster in the kubeconfig to the CA that signed the server certificate",
  tls: "check the server of the kubeconfig context (https:// on the API server's port)",
  reset: "check the network path to the API server",
  timeout: "check the network path to the API server, or raise --request-timeout",
  blocked: "check the server of the kubeconfig context",
  other: "check the server of the kubeconfig context",
};

/**
 * Why a request never got an answer ({@link failureCauseOf}), and what to do,
 * or `undefined` for other errors.
 */
export function networkReasonOf(error: unknown): { reason: string; hint: string } | undefined {
  const cause = failureCauseOf(error) ?? abortedCause(error);
  return cause && { reason: cause.reason, hint: NETWORK_HINTS[cause.kind] };
}

/** A request aborted by its own timeout signal, in client-node's wording. */
function abortedCause(error: unknown): FailureCause | undefined {
  const { messages } = errorChainOf(error);
  return messages.some((m) => /aborted/i.test(m))
    ? { kind: "timeout", reason: "the request timed out" }
    : undefined;
}

/** HTTP codes worth another try. */
const TRANSIENT_CODES = new Set([429, 500, 502, 503, 504]);

/** Whether a raw client error is transient: a 429/5xx status or a reset connection. */
export function isTransient(error: unknown): boolean {
  const api = apiStatusOf(error);
  if (api !== undefined) {
    return TRANSIENT_CODES.has(api.code) && typedPatchFailure(api.status) === undefined;
  }
  const { codes, messages } = errorChainOf(error);
  const text = messages.join(" | ");
  return ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"].some((c) => codes.includes(c)) ||
    /socket hang up|other side closed|connection reset|connection closed before message completed|broken pipe/i
      .test(text);
}

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Tries in total. @default 3 */
  attempts?: number;
  /** Delay before the second try; doubles each time. @default 200 */
  baseDelayMs?: number;
  /** Waits; injectable so tests do not sleep. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** Sleeps for real. */
export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The longest wait a server's `retryAfterSeconds` may ask for. */
export const MAX_RETRY_AFTER_MS = 5_000;

/**
 * The wait a 429/5xx status asks for in `details.retryAfterSeconds` (a
 * restarting API server answers 429 "storage is (re)initializing" with 1 s),
 * capped at {@link MAX_RETRY_AFTER_MS}; `undefined` when it asks for none.
 */
export function retryAfterMsOf(error: unknown): number | undefined {
  const seconds = apiStatusOf(error)?.status.details?.retryAfterSeconds;
  if (typeof seconds !== "number" || !(seconds > 0)) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

/**
 * Calls `fn` until it succeeds, retrying {@link isTransient} failures with
 * exponential backoff, or after the server's `retryAfterSeconds` when that is
 * longer ({@link retryAfterMsOf}). Other errors and the last failure are
 * thrown as they are.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? realSleep;
  let delay = options.baseDelayMs ?? 200;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await sleep(Math.max(delay, retryAfterMsOf(error) ?? 0));
      delay *= 2;
    }
  }
}
