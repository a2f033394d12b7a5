/**
 * proxy.ts decides as Go's golang.org/x/net/http/httpproxy (what kubectl
 * uses): the cases of its proxy_test.go that apply to an API server URL,
 * plus the kubeconfig `proxy-url` and errors that never quote credentials.
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import { proxyFor, useProxy } from "../../src/k8s/proxy.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** The proxy URL for `server`, or "<nil>" as Go prints a nil *url.URL. */
function chosen(server: string, vars: Record<string, string>, proxyUrl?: string): string {
  return proxyFor(server, proxyUrl, env(vars))?.url ?? "<nil>";
}

Deno.test("proxyFor(): httpproxy's ProxyForURL table", async (t) => {
  // [HTTP_PROXY, HTTPS_PROXY, NO_PROXY, request, want]
  const cases: [string, string, string, string, string][] = [
    ["127.0.0.1:8080", "", "", "http://example.com", "http://127.0.0.1:8080"],
    [
      "cache.corp.example.com:1234",
      "",
      "",
      "http://example.com",
      "http://cache.corp.example.com:1234",
    ],
    ["cache.corp.example.com", "", "", "http://example.com", "http://cache.corp.example.com"],
    ["localhost", "", "", "http://example.com", "http://localhost"],
    [
      "https://cache.corp.example.com",
      "",
      "",
      "http://example.com",
      "https://cache.corp.example.com",
    ],
    ["http://127.0.0.1:8080", "", "", "http://example.com", "http://127.0.0.1:8080"],
    ["https://127.0.0.1:8080", "", "", "http://example.com", "https://127.0.0.1:8080"],
    ["socks5://127.0.0.1", "", "", "http://example.com", "socks5://127.0.0.1"],
    // Don't use the secure proxy for http, use it for https.
    ["http.proxy.tld", "secure.proxy.tld", "", "http://insecure.tld/", "http://http.proxy.tld"],
    ["http.proxy.tld", "secure.proxy.tld", "", "https://secure.tld/", "http://secure.proxy.tld"],
    [
      "http.proxy.tld",
      "https://secure.proxy.tld",
      "",
      "https://secure.tld/",
      "https://secure.proxy.tld",
    ],
    // HTTP_PROXY is never used for https.
    ["http.proxy.tld", "", "", "https://secure.tld/", "<nil>"],
    ["", "", "", "http://example.com", "<nil>"],
    ["proxy", "", "example.com", "http://example.com/", "<nil>"],
    ["proxy", "", ".example.com", "http://example.com/", "http://proxy"],
    ["proxy", "", "ample.com", "http://example.com/", "http://proxy"],
    ["proxy", "", "example.com", "http://foo.example.com/", "<nil>"],
    ["proxy", "", ".foo.com", "http://example.com/", "http://proxy"],
    // IDNA: NO_PROXY and the request host compare in their ASCII form.
    ["proxy", "", ".示例.com", "http://www.示例.com", "<nil>"],
    ["proxy", "", "xn--fsq092h.com", "http://www.示例.com", "<nil>"],
    ["proxy", "", "示例.com", "http://www.xn--fsq092h.com", "<nil>"],
  ];
  for (const [http, https, noProxy, request, want] of cases) {
    const vars: Record<string, string> = {};
    if (http) vars.HTTP_PROXY = http;
    if (https) vars.HTTPS_PROXY = https;
    if (noProxy) vars.NO_PROXY = noProxy;
    await t.step(`http_proxy=${http} https_proxy=${https} no_proxy=${noProxy} ${request}`, () => {
      assert.equal(chosen(request, vars), want);
    });
  }
});

Deno.test("proxyFor(): the environment, as kubectl reads it", async (t) => {
  await t.step("lower-case variables count; upper case wins", () => {
    assert.equal(chosen("https://api.example", { https_proxy: "low:1" }), "http://low:1");
    assert.equal(chosen("http://api.example", { http_proxy: "low:2" }), "http://low:2");
    assert.equal(
      chosen("https://api.example", { HTTPS_PROXY: "up:1", https_proxy: "low:1" }),
      "http://up:1",
    );
    assert.equal(
      chosen("https://api.example", { HTTPS_PROXY: "p:1", no_proxy: "api.example" }),
      "<nil>",
    );
    assert.equal(
      chosen("https://api.example", {
        HTTPS_PROXY: "p:1",
        NO_PROXY: "other",
        no_proxy: "api.example",
      }),
      "http://p:1",
    );
  });
  await t.step("an empty variable is unset", () => {
    assert.equal(
      chosen("https://api.example", { HTTPS_PROXY: "", https_proxy: "low:1" }),
      "http://low:1",
    );
  });
  await t.step("ALL_PROXY is not read (Go does not)", () => {
    assert.equal(chosen("https://api.example", { ALL_PROXY: "p:1", all_proxy: "p:2" }), "<nil>");
  });
  await t.step("localhost and loopback never go through the environment's proxy", () => {
    for (
      const server of [
        "https://localhost:6443",
        "https://127.0.0.1:6443",
        "https://127.9.9.9",
        "https://[::1]:6443",
        "https://LOCALHOST",
      ]
    ) {
      assert.equal(chosen(server, { HTTPS_PROXY: "proxy:3128" }), "<nil>", server);
    }
    assert.equal(chosen("https://[::2]:6443", { HTTPS_PROXY: "proxy:3128" }), "http://proxy:3128");
  });
  await t.step("the default port counts for NO_PROXY entries with a port", () => {
    assert.equal(
      chosen("https://api.example", { HTTPS_PROXY: "p:1", NO_PROXY: "api.example:443" }),
      "<nil>",
    );
    assert.equal(
      chosen("https://api.example", { HTTPS_PROXY: "p:1", NO_PROXY: "api.example:80" }),
      "http://p:1",
    );
    assert.equal(
      chosen("http://api.example", { HTTP_PROXY: "p:1", NO_PROXY: "api.example:80" }),
      "<nil>",
    );
  });
});

Deno.test("proxyFor(): a kubeconfig proxy-url is always used", async (t) => {
  await t.step("for any host, whatever the environment says", () => {
    const vars = { HTTPS_PROXY: "env:1", NO_PROXY: "*" };
    assert.equal(
      chosen("https://localhost:6443", vars, "http://kube-proxy:3128"),
      "http://kube-proxy:3128",
    );
    assert.equal(
      chosen("https://127.0.0.1", {}, "https://p.example:8443"),
      "https://p.example:8443",
    );
  });
  await t.step("http, https and socks5 transports (client-go's TestProxyURL)", () => {
    const cases: [string, string, string][] = [
      ["http://example.com", "http", "http://example.com"],
      ["https://example.com", "https", "https://example.com"],
      ["socks5://example.com", "socks5", "socks5://example.com"],
      ["socks5h://example.com:1080", "socks5", "socks5h://example.com:1080"],
    ];
    for (const [url, transport, want] of cases) {
      const proxy = proxyFor("https://api.example", url, env({}));
      assert.equal(proxy?.transport, transport, url);
      assert.equal(proxy?.url, want, url);
    }
  });
  await t.step("credentials become basicAuth and leave the URL", () => {
    const proxy = proxyFor("https://api.example", "http://us%40er:p%3Ass@proxy:3128", env({}));
    assert.deepEqual(proxy, {
      transport: "http",
      url: "http://proxy:3128",
      basicAuth: { username: "us@er", password: "p:ss" },
    });
    const fromEnv = proxyFor(
      "https://api.example",
      undefined,
      env({ HTTPS_PROXY: "me:pw@proxy:1" }),
    );
    assert.deepEqual(fromEnv, {
      transport: "http",
      url: "http://proxy:1",
      basicAuth: { username: "me", password: "pw" },
    });
  });
  await t.step(
    "an unsupported or invalid proxy is an error naming where, without credentials",
    () => {
      const cases: [string | undefined, Record<string, string>, string][] = [
        ["socks6://admin:s3cret@example.com", {}, 'proxy-url of cluster "c"'],
        ["ftp://admin:s3cret@example.com", {}, 'proxy-url of cluster "c"'],
        ["http://admin:s3cret@[::bad", {}, 'proxy-url of cluster "c"'],
        [undefined, { HTTPS_PROXY: "socks6://admin:s3cret@example.com" }, "$HTTPS_PROXY"],
        [undefined, { https_proxy: "http://admin:s3cret@[::bad" }, "$https_proxy"],
      ];
      for (const [proxyUrl, vars, where] of cases) {
        assert.throws(
          () => proxyFor("https://api.example", proxyUrl, env(vars), 'proxy-url of cluster "c"'),
          (e: unknown) =>
            e instanceof ClusterError && e.message.includes(where) &&
            !e.message.includes("s3cret") && !e.message.includes("\n"),
          `${proxyUrl ?? JSON.stringify(vars)}`,
        );
      }
    },
  );
});

Deno.test("useProxy(): httpproxy's UseProxy table", async (t) => {
  const noProxy =
    "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64";
  const cases: [string, boolean][] = [
    ["localhost", false],
    ["127.0.0.1", false],
    ["127.0.0.2", false],
    ["[::1]", false],
    ["[::2]", true],
    ["192.168.1.1", false],
    ["192.168.1.2", true],
    ["192.168.1.3", false],
    ["192.168.1.4", true],
    ["10.0.0.2", false],
    ["10.0.0.4", true],
    ["[2001:db8::52:0:1]", false],
    ["[2001:db8::52:0:2]", true],
    ["[2001:db8::52:0:3]", false],
    ["[2002:db8:a::123]", false],
    ["[2002:db8:b::123]", true],
    ["[fe80::424b:c8be:1643:a1b6]", true],
    ["barbaz.net", true],
    ["www.barbaz.net", false],
    ["foobar.com", false],
    ["www.foobar.com", false],
    ["foofoobar.com", true],
    ["baz.com", true],
    ["localhost.net", true],
    ["local.localhost", true],
    ["barbarbaz.net", true],
    ["wildcard.io", true],
    ["nested.wildcard.io", false],
    ["awildcard.io", true],
  ];
  for (const [host, proxied] of cases) {
    await t.step(`${host}:80 ${proxied ? "proxied" : "direct"}`, () => {
      assert.equal(useProxy(host, "80", noProxy), proxied);
    });
  }
  await t.step("NO_PROXY=* matches every host", () => {
    for (const [host] of cases) assert.equal(useProxy(host, "80", "*"), false, host);
  });
  await t.step("an invalid entry (:1) is ignored, not a crash", () => {
    assert.equal(useProxy("example.com", "80", ":1"), true);
  });
  await t.step("domain entries never match an IP host", () => {
    // Go's domainMatch returns false for an IP: "0.0.2" is no suffix rule for 10.0.0.2.
    assert.equal(useProxy("10.0.0.2", "80", "0.0.2"), true);
    assert.equal(useProxy("10.0.0.2", "80", ".0.2"), true);
  });
  await t.step("entries are trimmed and case-insensitive", () => {
    assert.equal(useProxy("API.Example.COM", "443", "  api.example.com  "), false);
    assert.equal(useProxy("api.example.com", "443", "API.EXAMPLE.COM:443"), false);
  });
  await t.step("an IPv4-mapped loopback address is loopback", () => {
    assert.equal(useProxy("[::ffff:127.0.0.1]", "443", ""), false);
  });
  await t.step("CIDR: IPv4 and IPv6 boundaries", () => {
    assert.equal(useProxy("10.1.255.255", "443", "10.1.0.0/16"), false);
    assert.equal(useProxy("10.2.0.0", "443", "10.1.0.0/16"), true);
    assert.equal(useProxy("172.20.0.1", "443", "0.0.0.0/0"), false);
    assert.equal(useProxy("[fd00:1::5]", "443", "fd00::/16"), false);
    assert.equal(useProxy("[fd01::5]", "443", "fd00::/16"), true);
    assert.equal(useProxy("10.0.0.1", "443", "fd00::/8"), true);
  });
});
