/**
 * Reading kubeconfig files the way kubectl does, without the Kubernetes
 * client: which files, how they merge, which context, and what a connection
 * to the context's cluster needs ({@link resolveConnection}).
 *
 * Files: `--kubeconfig`, else every file of `$KUBECONFIG` merged (the first
 * file that defines a name wins, missing files are skipped unless none
 * exists), else `~/.kube/config`. Relative file paths in a file resolve
 * against that file's directory. Namespace: the option, else the context's,
 * else `"default"`. No credential is ever put into a message.
 *
 * What the fetch client ({@link resolveConnection}) handles: a server with
 * `certificate-authority(-data)`, users with `client-certificate(-data)` +
 * `client-key(-data)`, `token`, `tokenFile`, `username`/`password`, or none.
 * Anything else (exec plugins, auth providers, `proxy-url`,
 * `insecure-skip-tls-verify` or `tls-server-name` on https, impersonation)
 * is reported by {@link unsupportedFeatures}, and the caller uses
 * `@kubernetes/client-node` instead.
 *
 * @example
 * ```ts
 * const loaded = loadKubeConfig({ context: "admin" });
 * if (unsupportedFeatures(loaded).length === 0) {
 *   const connection = resolveConnection(loaded);
 * }
 * ```
 * @module
 */
import { ClusterError, ManifestSyntaxError } from "../errors.ts";
import { redactUrl } from "../fetch/redact.ts";
import type { ClusterOptions } from "./applier.ts";
import { parseStrictYamlDocuments } from "../tekton/manifest.ts";
import { isMapping } from "../tekton/types.ts";

/** One named entry of a kubeconfig list, with the directory of the file that defined it. */
export interface NamedEntry {
  name: string;
  /** The `cluster`, `user` or `context` map, as written. */
  fields: Record<string, unknown>;
  /** Directory of the defining file: relative paths resolve against it. */
  dir: string;
}

/** Where to find the kubeconfig: `env` and `home` are injectable for tests. */
export interface LoadKubeConfigOptions
  extends Pick<ClusterOptions, "kubeconfig" | "context" | "namespace"> {
  /** `$KUBECONFIG`. @default Deno.env.get("KUBECONFIG") */
  kubeconfigEnv?: string | undefined;
  /** The home directory. @default $HOME */
  home?: string | undefined;
}

/** The merged kubeconfig on the chosen context. */
export interface LoadedKubeConfig {
  /** The files read, in merge order. */
  files: string[];
  /** Every context name, in merge order. */
  contexts: string[];
  /** The chosen context. */
  context: string;
  /** The namespace to use. */
  namespace: string;
  /** The context's cluster; `fields.server` is a string. */
  cluster: NamedEntry;
  /** The context's user, or `undefined` when it names none (anonymous). */
  user: NamedEntry | undefined;
}

/** Reads and merges the kubeconfig files and picks the context. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const files = kubeconfigFiles(options);
  const merged = {
    clusters: [] as NamedEntry[],
    users: [] as NamedEntry[],
    contexts: [] as NamedEntry[],
    current: "",
  };
  for (const file of files) {
    const config = readKubeConfig(file);
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) || "/" : ".";
    // The first file that defines a name wins, as in kubectl.
    for (const key of ["clusters", "users", "contexts"] as const) {
      for (const entry of config[key]) {
        if (!merged[key].some((e) => e.name === entry.name)) merged[key].push({ ...entry, dir });
      }
    }
    merged.current ||= config.current;
  }
  const where = files.length === 1
    ? `kubeconfig "${files[0]}"`
    : `kubeconfig files ${files.map((f) => `"${f}"`).join(", ")}`;
  const names = merged.contexts.map((c) => c.name);
  const context = options.context ?? merged.current;
  if (!context) {
    throw new ClusterError(`No current context in ${where}`, {
      hint: names.length
        ? `pick one with --context (${names.map((n) => `"${n}"`).join(", ")})`
        : "add a context to the kubeconfig",
    });
  }
  const contextEntry = merged.contexts.find((c) => c.name === context);
  if (contextEntry === undefined) {
    throw new ClusterError(
      `Context "${context}" not found in ${where}: ${
        names.length
          ? `contexts are ${names.map((n) => `"${n}"`).join(", ")}`
          : "it has no contexts"
      }`,
      { hint: 'run "kubectl config get-contexts" and pick one with --context' },
    );
  }
  const clusterName = stringField(contextEntry.fields, "cluster") ?? "";
  const cluster = merged.clusters.find((c) => c.name === clusterName);
  if (cluster === undefined) {
    throw new ClusterError(
      `Context "${context}" in ${where} names cluster "${clusterName}", which is not defined`,
    );
  }
  const server = String(cluster.fields.server);
  if (/^http:/i.test(server) && cluster.fields["insecure-skip-tls-verify"] !== true) {
    throw new ClusterError(
      `Cluster "${cluster.name}" in ${where} has a plain http:// server "${
        redactUrl(server)
      }": refused without TLS`,
      { hint: 'use the https:// address, or set "insecure-skip-tls-verify: true" for the cluster' },
    );
  }
  const userName = stringField(contextEntry.fields, "user");
  const user = merged.users.find((u) => u.name === userName);
  const namespace = options.namespace ??
    (stringField(contextEntry.fields, "namespace") || "default");
  return { files, contexts: names, context, namespace, cluster, user };
}

function kubeconfigFiles(options: LoadKubeConfigOptions): string[] {
  if (options.kubeconfig !== undefined) return [options.kubeconfig];
  const env = "kubeconfigEnv" in options ? options.kubeconfigEnv : Deno.env.get("KUBECONFIG");
  const listed = (env ?? "").split(":").filter((f) => f !== "");
  if (listed.length > 0) {
    // kubectl skips missing files of the list, unless none exists.
    const present = listed.filter(exists);
    return present.length > 0 ? present : [listed[0]!];
  }
  const home = "home" in options ? options.home : Deno.env.get("HOME");
  if (!home) {
    throw new ClusterError("Cannot find a kubeconfig: $KUBECONFIG and $HOME are not set", {
      hint: "pass --kubeconfig <file>",
    });
  }
  return [`${home}/.kube/config`];
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

interface KubeConfigFile {
  clusters: Omit<NamedEntry, "dir">[];
  users: Omit<NamedEntry, "dir">[];
  contexts: Omit<NamedEntry, "dir">[];
  current: string;
}

/** The text of a kubeconfig file; a file that cannot be read is a ClusterError naming it. */
export function readKubeConfigText(file: string): string {
  return readTextOrThrow(file, "kubeconfig", "pass --kubeconfig <file>, or set KUBECONFIG");
}

/** Reads a file named by the kubeconfig; `what` names it in the ClusterError. */
function readTextOrThrow(file: string, what: string, hint?: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : "it cannot be read";
    throw new ClusterError(
      `Cannot read ${what} "${file}": ${reason}`,
      hint === undefined ? {} : { hint },
    );
  }
}

function readKubeConfig(file: string): KubeConfigFile {
  const text = readKubeConfigText(file);
  const fail = (reason: string) =>
    new ClusterError(`Cannot load kubeconfig "${file}": ${reason}`, {
      hint: 'check it with "kubectl config view --kubeconfig <file>"',
    });
  let documents;
  try {
    documents = parseStrictYamlDocuments(text, file);
  } catch (error) {
    if (!(error instanceof ManifestSyntaxError)) throw error;
    // Never quote the parser's reason: it may name anchors or tags from the
    // file. Line and column only, and no `cause`.
    throw fail(`invalid YAML at line ${error.line}, column ${error.column}`);
  }
  if (documents.length > 1) throw fail(`holds ${documents.length} YAML documents, expected one`);
  const document = documents[0]?.value;
  if (document === null || document === undefined) {
    return { clusters: [], users: [], contexts: [], current: "" };
  }
  if (!isMapping(document)) throw fail("not a valid kubeconfig");
  const list = (key: "clusters" | "users" | "contexts", inner: string) => {
    const items = document[key] ?? [];
    if (!Array.isArray(items)) throw fail(`${key} is not a list`);
    return items.map((item: unknown, i) => {
      if (!isMapping(item) || typeof item.name !== "string" || item.name === "") {
        throw fail(`${key}[${i}].name is missing`);
      }
      const fields = item[inner] ?? {};
      if (!isMapping(fields)) throw fail(`${key}[${i}].${inner} is not a map`);
      return { name: item.name, fields };
    });
  };
  const clusters = list("clusters", "cluster");
  clusters.forEach((c, i) => {
    if (typeof c.fields.server !== "string" || c.fields.server === "") {
      throw fail(`clusters[${i}].cluster.server is missing`);
    }
  });
  const current = document["current-context"];
  return {
    clusters,
    users: list("users", "user"),
    contexts: list("contexts", "context"),
    current: typeof current === "string" ? current : "",
  };
}

function stringField(fields: Record<string, unknown>, key: string): string | undefined {
  const value = fields[key];
  return typeof value === "string" ? value : undefined;
}

/** Cluster fields the fetch client understands (others: client-node). */
const CLUSTER_FIELDS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "disable-compression",
  "extensions",
]);

/** User fields the fetch client understands (others: client-node). */
const USER_FIELDS = new Set([
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "token",
  "tokenFile",
  "username",
  "password",
  "extensions",
]);

/**
 * What the fetch client cannot do for this context, as `cluster.<field>` and
 * `user.<field>` names (e.g. `user.exec`, `cluster.proxy-url`); empty when
 * it can. Reads no file.
 */
export function unsupportedFeatures(loaded: LoadedKubeConfig): string[] {
  const features: string[] = [];
  const cluster = loaded.cluster.fields;
  for (const [key, value] of Object.entries(cluster)) {
    if (!CLUSTER_FIELDS.has(key) && value !== undefined && value !== null && value !== "") {
      features.push(`cluster.${key}`);
    }
  }
  // Deno's HTTP client cannot skip verification; over plain http:// there is none to skip.
  if (cluster["insecure-skip-tls-verify"] === true && !/^http:/i.test(String(cluster.server))) {
    features.push("cluster.insecure-skip-tls-verify");
  }
  for (const [key, value] of Object.entries(loaded.user?.fields ?? {})) {
    if (!USER_FIELDS.has(key) && value !== undefined && value !== null && value !== "") {
      features.push(`user.${key}`);
    }
  }
  return features;
}

/** What the fetch client needs to reach the cluster as the user. */
export interface Connection {
  /** The API server URL, without a trailing slash. */
  server: string;
  /** Extra CA certificates (PEM) to trust. */
  caCerts: string[];
  /** Client certificate and key (PEM), for certificate authentication. */
  clientCert?: { cert: string; key: string };
  /** The `authorization` header (bearer token or basic), when the user has one. */
  authorization?: string;
}

/**
 * Reads what {@link unsupportedFeatures} accepted into a {@link Connection}:
 * inline data is base64-decoded, files are read (relative to the
 * kubeconfig's directory). Throws a {@link ClusterError} naming the file
 * when one cannot be read, never quoting its content.
 */
export function resolveConnection(loaded: LoadedKubeConfig): Connection {
  const cluster = loaded.cluster;
  const user = loaded.user;
  const connection: Connection = {
    server: String(cluster.fields.server).replace(/\/+$/, ""),
    caCerts: [],
  };
  const ca = material(cluster, "certificate-authority", `cluster "${cluster.name}"`);
  if (ca !== undefined) connection.caCerts.push(ca);
  if (user === undefined) return connection;
  const who = `user "${user.name}"`;
  const cert = material(user, "client-certificate", who);
  const key = material(user, "client-key", who);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ClusterError(
      `The kubeconfig ${who} has a client ${
        cert === undefined ? "key" : "certificate"
      } but no client ${cert === undefined ? "certificate" : "key"}`,
      { hint: "set both client-certificate(-data) and client-key(-data), or neither" },
    );
  }
  if (cert !== undefined && key !== undefined) connection.clientCert = { cert, key };
  const token = stringField(user.fields, "token") ||
    readFile(user, stringField(user.fields, "tokenFile"), `the tokenFile of ${who}`)?.trim();
  const username = stringField(user.fields, "username");
  if (token) {
    connection.authorization = `Bearer ${token}`;
  } else if (username) {
    const password = stringField(user.fields, "password") ?? "";
    const bytes = new TextEncoder().encode(`${username}:${password}`);
    connection.authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }
  return connection;
}

/** `<name>-data` (base64) or the file `<name>`, as text. */
function material(entry: NamedEntry, name: string, who: string): string | undefined {
  const data = stringField(entry.fields, `${name}-data`);
  if (data) {
    try {
      return new TextDecoder().decode(
        Uint8Array.from(atob(data.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
      );
    } catch {
      throw new ClusterError(`The ${name}-data of the kubeconfig ${who} is not valid base64`);
    }
  }
  return readFile(entry, stringField(entry.fields, name), `the ${name} of the kubeconfig ${who}`);
}

function readFile(entry: NamedEntry, path: string | undefined, what: string): string | undefined {
  if (!path) return undefined;
  const file = path.startsWith("/") ? path : `${entry.dir}/${path}`;
  return readTextOrThrow(file, what);
}
