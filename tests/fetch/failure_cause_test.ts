import assert from "node:assert/strict";
import { failureCauseOf } from "../../src/base/failure_cause.ts";

/** Deno 2.9's shape: `TypeError: fetch failed`, hyper's text in `cause`. */
function denoFetchError(detail: string): TypeError {
  return new TypeError("fetch failed", {
    cause: new Error(
      `error sending request for url (https://h.example/t.yaml?token=s3cret): client error (Connect): ${detail}`,
    ),
  });
}

Deno.test("failureCauseOf() names each class of network failure", async (t) => {
  const cases: [string, unknown, string, RegExp][] = [
    [
      "refused (Deno)",
      denoFetchError("tcp connect error: Connection refused (os error 111)"),
      "refused",
      /^connection refused$/,
    ],
    [
      "refused (Node)",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      "refused",
      /refused/,
    ],
    [
      "DNS (Deno)",
      denoFetchError("dns error: failed to lookup address information: Name or service not known"),
      "dns",
      /does not resolve/,
    ],
    [
      "DNS (Node)",
      Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }),
      "dns",
      /does not resolve/,
    ],
    ["invalid DNS name", denoFetchError("invalid dns name"), "dns", /not a valid DNS name/],
    [
      "unknown issuer",
      denoFetchError("invalid peer certificate: UnknownIssuer"),
      "certificate",
      /unknown authority/,
    ],
    [
      "wrong name",
      denoFetchError("invalid peer certificate: NotValidForName"),
      "certificate",
      /not valid for this host name/,
    ],
    ["expired", denoFetchError("invalid peer certificate: Expired"), "certificate", /expired/],
    [
      "OpenSSL self-signed",
      Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }),
      "certificate",
      /unknown authority/,
    ],
    ["TLS to plain HTTP", denoFetchError("tls handshake eof"), "tls", /TLS handshake failed/],
    [
      "reset",
      new TypeError("fetch failed", {
        cause: new Error(
          "error sending request from 127.0.0.1:5 for http://h/ (127.0.0.1:6): client error (SendRequest): connection closed before message completed",
        ),
      }),
      "reset",
      /reset/,
    ],
    [
      "undici socket",
      Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      "reset",
      /reset/,
    ],
    [
      "timeout",
      new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      "timeout",
      /timed out/,
    ],
    [
      "blocked port",
      new TypeError("Fetch failed: Requests to port 1 are blocked"),
      "blocked",
      /port 1 are blocked/,
    ],
    [
      "something else",
      denoFetchError("http2 error: stream error"),
      "other",
      /^the request failed: http2 error: stream error$/,
    ],
  ];
  for (const [name, error, kind, reason] of cases) {
    await t.step(name, () => {
      const cause = failureCauseOf(error);
      assert.equal(cause?.kind, kind, JSON.stringify(cause));
      assert.match(cause!.reason, reason);
      assert.ok(!cause!.reason.includes("s3cret"), "never quotes the URL");
    });
  }
  await t.step("not a network failure: undefined", () => {
    assert.equal(failureCauseOf(new RangeError("bug")), undefined);
    assert.equal(failureCauseOf("a string"), undefined);
  });
});
