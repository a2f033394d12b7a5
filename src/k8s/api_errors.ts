/**
 * The typed errors of the Kubernetes API: what the fetch client throws for a
 * non-2xx answer ({@link ApiStatusError}), and the {@link ClusterError}s
 * draconctl reports (an API status, an apply, an unreachable server, a kind
 * the cluster does not serve).
 *
 * @module
 */
import { ClusterError, type DraconErrorOptions } from "../errors.ts";
import { type KubeObject, subjectOf } from "./objects.ts";

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
