/**
 * Which proxy a request to the API server goes through, decided the way
 * kubectl (Go's `http.ProxyFromEnvironment`, golang.org/x/net/http/httpproxy)
 * decides it, and the one place that creates the `Deno.HttpClient` with that
 * decision.
 *
 * - A kubeconfig `proxy-url` (`http://`, `https://`, `socks5://`) is used for
 *   every request, as `http.ProxyURL` does; the environment is not read.
 * - Otherwise `HTTPS_PROXY` (or `https_proxy`) for an `https://` server,
 *   `HTTP_PROXY` (or `http_proxy`) for `http://`; a value without a scheme
 *   means `http://`. `localhost` and loopback addresses never go through
 *   the environment's proxy, nor hosts matched by `NO_PROXY` (or
 *   `no_proxy`): `*`, an IP, a CIDR, or a domain that matches itself and its
 *   subdomains (`.example.com` and `*.example.com` its subdomains only), each
 *   optionally with `:port`.
 *
 * Deno's HTTP client would read these variables (and `ALL_PROXY`) itself,
 * with other rules (it proxies `localhost`, and applies `NO_PROXY` to a
 * kubeconfig's proxy too). So the client is created with the variables
 * hidden and the decision passed explicitly ({@link createHttpClient}).
 *
 * @module
 */
import { ClusterError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";
import { PROXY_ENV_VARS } from "../permissions.ts";

/** A proxy reached by URL (Deno's `http`, `https` and `socks5` transports). */
export type UrlProxy = Extract<Deno.Proxy, { url: string }>;

/** Reads an environment variable; `undefined` when unset. */
export type EnvReader = (name: string) => string | undefined;

/**
 * The proxy for requests to `server`, or `undefined` for a direct connection.
 * `proxyUrl` is the kubeconfig's `proxy-url`; `where` names it in errors.
 */
export function proxyFor(
  server: string,
  proxyUrl: string | undefined,
  env: EnvReader,
  where = "proxy-url",
): UrlProxy | undefined {
  if (proxyUrl) return parseProxy(proxyUrl, where);
  const target = new URL(server);
  const https = target.protocol === "https:";
  const [name, value] = https ? first(env, "HTTPS_PROXY", "https_proxy") : first(
    env,
    "HTTP_PROXY",
    "http_proxy",
  );
  if (!value) return undefined;
  const noProxy = first(env, "NO_PROXY", "no_proxy")[1] ?? "";
  const port = target.port || (https ? "443" : "80");
  if (!useProxy(target.hostname, port, noProxy)) return undefined;
  return parseProxy(value, `$${name}`);
}

function first(env: EnvReader, ...names: string[]): [string, string | undefined] {
  for (const name of names) {
    const value = env(name);
    if (value) return [name, value];
  }
  return [names[0]!, undefined];
}

/** A proxy URL as Deno takes it; credentials in it become `basicAuth`. */
function parseProxy(value: string, where: string): UrlProxy {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ClusterError(`The proxy ${where} "${redactUrl(value)}" is not a valid URL`);
  }
  const transport = {
    "http:": "http",
    "https:": "https",
    "socks5:": "socks5",
    "socks5h:": "socks5",
  }[
    url.protocol
  ] as "http" | "https" | "socks5" | undefined;
  if (transport === undefined || url.hostname === "") {
    throw new ClusterError(
      `The proxy ${where} "${
        redactUrl(value)
      }" is not supported: use http://, https:// or socks5://`,
    );
  }
  const basicAuth = url.username
    ? {
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    }
    : undefined;
  url.username = "";
  url.password = "";
  return {
    transport,
    url: url.href.replace(/\/$/, ""),
    ...(basicAuth ? { basicAuth } : {}),
  };
}

/** Go's `httpproxy.Config.useProxy`: false for loopback and `NO_PROXY` matches. */
export function useProxy(hostname: string, port: string, noProxy: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return false;
  const ip = parseIp(host);
  if (ip !== undefined && isLoopback(ip)) return false;
  for (let entry of noProxy.split(",")) {
    entry = entry.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return false;
    const cidr = entry.match(/^(.+)\/(\d{1,3})$/);
    if (cidr) {
      const net = parseIp(cidr[1]!);
      if (net !== undefined && ip !== undefined && inCidr(ip, net, Number(cidr[2]))) return false;
      if (net !== undefined) continue;
    }
    let [entryHost, entryPort] = splitHostPort(entry);
    if (entryHost === "") continue;
    const entryIp = parseIp(entryHost);
    if (entryIp !== undefined) {
      if (ip !== undefined && sameIp(ip, entryIp) && (!entryPort || entryPort === port)) {
        return false;
      }
      continue;
    }
    // A domain entry never matches an IP host (Go's domainMatch).
    if (ip !== undefined) continue;
    if (entryHost.startsWith("*.")) entryHost = entryHost.slice(1);
    const matchHost = !entryHost.startsWith(".");
    // The server's host name comes from URL in punycode: so must the entry (Go: idnaASCII).
    const suffix = `.${asciiDomain(matchHost ? entryHost : entryHost.slice(1))}`;
    if (host.endsWith(suffix) || (matchHost && host === suffix.slice(1))) {
      if (!entryPort || entryPort === port) return false;
    }
  }
  return true;
}

function asciiDomain(name: string): string {
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    return name;
  }
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = entry.match(/^\[([^\]]*)\](?::(\d+))?$/);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  const colons = entry.split(":").length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(":") as [string, string];
    return [host, port];
  }
  return [entry, undefined];
}

/** An IP address as 16 bytes (IPv4 mapped into IPv6), or `undefined`. */
function parseIp(text: string): Uint8Array | undefined {
  const v4 = text.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...parts]);
  }
  if (!text.includes(":")) return undefined;
  try {
    // The URL parser normalises IPv6 (and refuses what is not one).
    const normal = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    const [head, tail] = normal.includes("::") ? normal.split("::") : [normal, undefined];
    const words = (s: string | undefined) => s ? s.split(":") : [];
    const left = words(head), right = words(tail);
    const all = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
    const bytes = new Uint8Array(16);
    all.forEach((w, i) => {
      const n = parseInt(w, 16);
      bytes[2 * i] = n >> 8;
      bytes[2 * i + 1] = n & 0xff;
    });
    return bytes;
  } catch {
    return undefined;
  }
}

function isLoopback(ip: Uint8Array): boolean {
  const v4 = ip.slice(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  if (v4) return ip[12] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  return a.every((byte, i) => byte === b[i]);
}

function inCidr(ip: Uint8Array, net: Uint8Array, bits: number): boolean {
  const netIsV4 = net.slice(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  const prefix = netIsV4 ? bits + 96 : bits;
  if (prefix > 128) return false;
  for (let i = 0; i < prefix; i++) {
    const mask = 0x80 >> (i % 8);
    if ((ip[i >> 3]! & mask) !== (net[i >> 3]! & mask)) return false;
  }
  return true;
}

/**
 * `Deno.createHttpClient(options)` with the proxy variables hidden from Deno
 * while it reads them, so that only `options.proxy` (our decision) counts.
 * They are put back at once: child processes (helm, credential plugins)
 * still inherit them. Without the permission to change them (a caller that
 * runs with other flags), the client is created as is.
 */
export function createHttpClient(options: Deno.CreateHttpClientOptions): Deno.HttpClient {
  const saved = new Map<string, string>();
  try {
    for (const name of PROXY_ENV_VARS) {
      const value = Deno.env.get(name);
      if (value === undefined) continue;
      Deno.env.delete(name);
      saved.set(name, value);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
  try {
    return Deno.createHttpClient(options);
  } finally {
    for (const [name, value] of saved) Deno.env.set(name, value);
  }
}
