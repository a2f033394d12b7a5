/**
 * Why a request to the API server never got an answer, and what to do: the
 * shared failure classifier (`src/base/failure_cause.ts`) with the API
 * server's remedies.
 *
 * @module
 */
import {
  errorChainOf,
  type FailureCause,
  failureCauseOf,
  type FailureKind,
} from "../base/failure_cause.ts";

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

/** A request aborted (its timeout signal fired), when the classifier did not name it. */
function abortedCause(error: unknown): FailureCause | undefined {
  const { messages } = errorChainOf(error);
  return messages.some((m) => /aborted/i.test(m))
    ? { kind: "timeout", reason: "the request timed out" }
    : undefined;
}
