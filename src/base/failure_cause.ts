/**
 * Why a request got no answer at all: the one place that reads the network
 * errors of Deno's `fetch` (`TypeError: fetch failed`, whose `cause` holds
 * hyper's text) and of Node-style clients (`ECONNREFUSED`, undici's
 * `UND_ERR_SOCKET`, OpenSSL's certificate codes) and names the cause. The
 * component URL fetcher and the Kubernetes client both use it, each adding
 * its own hint.
 *
 * @example
 * ```ts
 * try {
 *   await fetch("https://127.0.0.1:9443/task.yaml");
 * } catch (error) {
 *   failureCauseOf(error); // { kind: "refused", reason: "connection refused" }
 * }
 * ```
 * @module
 */

/** The classes of network failure, each with its own remedy. */
export type FailureKind =
  | "refused"
  | "dns"
  | "certificate"
  | "tls"
  | "reset"
  | "timeout"
  | "blocked"
  | "other";

/** A named cause: `kind` to pick a hint, `reason` to print after a colon. */
export interface FailureCause {
  kind: FailureKind;
  reason: string;
}

/**
 * Error codes, names and messages of `error` and its `cause` chain, outermost
 * first. (A `DOMException` is no `Error` in every runtime: anything with a
 * string `message` counts.)
 */
export function errorChainOf(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; isErrorLike(e) && depth < 8; depth++) {
    if (typeof e.code === "string") codes.push(e.code);
    if (typeof e.name === "string") codes.push(e.name);
    messages.push(e.message);
    e = e.cause;
  }
  return { codes, messages };
}

function isErrorLike(
  value: unknown,
): value is { message: string; code?: unknown; name?: unknown; cause?: unknown } {
  return typeof value === "object" && value !== null && "message" in value &&
    typeof value.message === "string";
}

/** What a certificate was refused for, from rustls' and OpenSSL's names. */
const CERTIFICATE_PROBLEMS: [RegExp, string][] = [
  [
    /UnknownIssuer|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
    "signed by an unknown authority",
  ],
  [/NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i, "not valid for this host name"],
  [/Expired|CERT_HAS_EXPIRED/, "expired"],
  [/NotValidYet|CERT_NOT_YET_VALID/, "not valid yet"],
  [/Revoked|CERT_REVOKED/, "revoked"],
];

/** Patterns of each class, tried in order against the codes and messages of the chain. */
const CLASSES: [FailureKind, RegExp][] = [
  ["refused", /ECONNREFUSED|Connection refused/i],
  [
    "dns",
    /ENOTFOUND|EAI_AGAIN|EAI_NONAME|failed to lookup address|Name or service not known|No address associated|nodename nor servname|dns error|invalid dns name/i,
  ],
  [
    "certificate",
    /invalid peer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|certificate verify failed|UnknownIssuer|UNABLE_TO_GET_ISSUER|certificate/i,
  ],
  [
    "tls",
    /tls handshake|InvalidContentType|corrupt message|wrong version number|ERR_SSL|EPROTO|peer is incompatible|HandshakeFailure/i,
  ],
  [
    "reset",
    /ECONNRESET|EPIPE|UND_ERR_SOCKET|socket hang up|other side closed|Connection reset|connection closed before message completed|connection error|Broken pipe|unexpected end of file|IncompleteMessage/i,
  ],
  ["timeout", /UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT|TimeoutError|timed out|aborted due to timeout/i],
  ["blocked", /Requests to port \d+ are blocked/i],
];

/**
 * The cause of a network failure, or `undefined` when `error` is not one
 * (a bug, an HTTP status, …). Never quotes a URL: the caller names the target.
 */
export function failureCauseOf(error: unknown): FailureCause | undefined {
  const { codes, messages } = errorChainOf(error);
  const text = [...codes, ...messages].join(" | ");
  const kind = CLASSES.find(([, pattern]) => pattern.test(text))?.[0];
  if (kind !== undefined) return { kind, reason: reasonFor(kind, text) };
  if (!/fetch failed|error sending request|client error/i.test(text)) return undefined;
  const innermost = messages.at(-1) ?? "";
  return { kind: "other", reason: `the request failed: ${withoutTarget(innermost)}` };
}

function reasonFor(kind: FailureKind, text: string): string {
  switch (kind) {
    case "refused":
      return "connection refused";
    case "dns":
      return /invalid dns name/i.test(text)
        ? "the host name is not a valid DNS name"
        : "the host name does not resolve (DNS lookup failed)";
    case "certificate": {
      const problem = CERTIFICATE_PROBLEMS.find(([pattern]) => pattern.test(text))?.[1];
      return `the server's TLS certificate is not trusted${problem ? ` (${problem})` : ""}`;
    }
    case "tls":
      return "the TLS handshake failed (is the server speaking HTTPS on this port?)";
    case "reset":
      return "the connection was reset before the server answered";
    case "timeout":
      return "the request timed out";
    case "blocked":
      return /Requests to port \d+ are blocked/i.exec(text)![0].toLowerCase() +
        " (a port browsers refuse)";
    case "other":
      return "the request failed";
  }
}

/** A lower-level message without hyper's `error sending request for url (…): ` prefix. */
function withoutTarget(message: string): string {
  const client = /client error \([^)]*\): (.*)$/s.exec(message);
  if (client) return client[1]!;
  return message.replace(/^error sending request.*?\): /s, "").replace(/https?:\/\/\S+/g, "<url>");
}
