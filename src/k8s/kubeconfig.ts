/**
 * How draconctl finds its cluster, the way kubectl (client-go's `clientcmd`)
 * does, without a Kubernetes client library: which kubeconfig files, how
 * they merge, which context, cluster and user, the kubectl connection flags
 * on top ({@link ConnectionFlags}), in-cluster configuration when there is
 * no kubeconfig, and what a connection needs ({@link resolveConnection}).
 *
 * Files: `--kubeconfig`, else every file of `$KUBECONFIG` merged (the first
 * file that defines a name wins, missing files are skipped), else
 * `~/.kube/config`. Relative paths in a file (and an `exec` command holding
 * a `/`) resolve against that file's directory. Namespace: `-n`, else the
 * context's, else `"default"`. Fields draconctl does not know are warned
 * about and ignored, as kubectl ignores them. No credential is ever put
 * into a message.
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "../io/filesystem.ts";
 * const target = await resolveTarget({ context: "admin" }, {
 *   fs: new DenoFileSystem(),
 *   env: (name) => Deno.env.get(name),
 *   logger: { warn: console.error, debug: () => {} },
 * });
 * console.log(target.namespace, target.where); // dracon kubeconfig "/home/me/.kube/config"
 * ```
 * @module
 */
import type { Clock } from "../io/clock.ts";
import { ClusterError, ManifestSyntaxError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";
import type { CommandRunner } from "../io/command.ts";
import { type FileSystem, readFailureReason } from "../io/filesystem.ts";
import type { Logger } from "../io/logger.ts";
import type { RunPermissions } from "../io/run_permissions.ts";
import { parseStrictYamlDocuments } from "../yaml/yaml.ts";
import { isMapping } from "../yaml/mapping.ts";
import {
  type Credentials,
  type CredentialSource,
  StaticCredentials,
  TokenFileCredentials,
} from "./credentials.ts";
import { type ExecConfig, ExecCredentials, parseExecConfig } from "./exec_plugin.ts";
import { printable } from "../base/printable.ts";
import { type EnvReader, proxyFor, type UrlProxy } from "./proxy.ts";

/** kubectl's connection flags (client-go's `ConfigOverrides`), all optional. */
export interface ConnectionFlags {
  /** Kubeconfig path. @default $KUBECONFIG, else ~/.kube/config */
  kubeconfig?: string;
  /** Kubeconfig context. @default the current context */
  context?: string;
  /** Namespace. @default the context's namespace, else "default" */
  namespace?: string;
  /** `--cluster`: the kubeconfig cluster to use instead of the context's. */
  cluster?: string;
  /** `--user`: the kubeconfig user to use instead of the context's. */
  user?: string;
  /** `--server`: the API server URL. */
  server?: string;
  /** `--certificate-authority`: a CA file to trust instead of the kubeconfig's. */
  certificateAuthority?: string;
  /** `--client-certificate` and `--client-key`: files. */
  clientCertificate?: string;
  clientKey?: string;
  /** `--token`: a bearer token, instead of the user's credentials. */
  token?: string;
  /** `--insecure-skip-tls-verify`. */
  insecureSkipTlsVerify?: boolean;
  /** `--tls-server-name`. */
  tlsServerName?: string;
  /** `--as`, `--as-group` (repeatable), `--as-uid`: impersonation. */
  as?: string;
  asGroups?: string[];
  asUid?: string;
}

/** Where the service account of a pod is mounted (client-go's `InClusterConfig`). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The side effects of finding and authenticating to the cluster. */
export interface KubeConfigEnv {
  fs: FileSystem;
  /** The process environment (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_*`, proxies). */
  env: EnvReader;
  logger: Logger;
  /** Only needed when a credential plugin or a token file is used. */
  clock?: Clock;
  runner?: CommandRunner;
  permissions?: RunPermissions;
  /** @default SERVICE_ACCOUNT_DIR */
  serviceAccountDir?: string;
  /** What relative paths of the flags resolve against. @default Deno.cwd() */
  cwd?: string;
}

/** One named entry of a kubeconfig list, with the directory of the file that defined it. */
export interface NamedEntry {
  name: string;
  /** The `cluster`, `user` or `context` map, as written. */
  fields: Record<string, unknown>;
  /** Directory of the defining file: relative paths resolve against it. */
  dir: string;
}

/** The cluster and user to connect as, from a kubeconfig or from the pod. */
export interface Target {
  /** `kubeconfig` files, or `in-cluster`, or `flags` (only --server and friends). */
  source: "kubeconfig" | "in-cluster" | "flags";
  /** The kubeconfig files read, in merge order (empty unless `source` is `kubeconfig`). */
  files: string[];
  /** Every context name of the kubeconfig, in merge order. */
  contexts: string[];
  /** The chosen context (`""` when none). */
  context: string;
  /** The namespace to use. */
  namespace: string;
  /** The cluster; `fields.server` is a string. */
  cluster: NamedEntry;
  /** The user, or `undefined` for anonymous requests. */
  user: NamedEntry | undefined;
  /** Impersonation, from the user's `as*` fields and the flags. */
  impersonate: Impersonation;
  /** Names the configuration in messages: `kubeconfig "/x/config"`, `in-cluster configuration`. */
  where: string;
}

/** Whom to impersonate (`Impersonate-*` headers). */
export interface Impersonation {
  user?: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/**
 * The cluster, user and namespace `flags` point at: a kubeconfig when one is
 * found, else (no `--server` either) the pod's in-cluster configuration when
 * `KUBERNETES_SERVICE_HOST`/`_PORT` are set. Throws a {@link ClusterError}.
 */
export async function resolveTarget(flags: ConnectionFlags, env: KubeConfigEnv): Promise<Target> {
  const files = await kubeconfigFiles(flags, env);
  let target: Target;
  if (files.present.length > 0) {
    target = await fromKubeconfig(files.present, flags, env);
  } else if (flags.server !== undefined) {
    target = fromFlagsOnly(flags);
  } else {
    const host = env.env("KUBERNETES_SERVICE_HOST"), port = env.env("KUBERNETES_SERVICE_PORT");
    if (!host || !port) {
      throw new ClusterError(files.missingMessage, {
        hint: "pass --kubeconfig <file> or --server <url>, set KUBECONFIG, " +
          "or run in a pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT)",
      });
    }
    target = await inCluster(host, port, flags, env);
  }
  return applyFlags(target, flags, env.cwd ?? Deno.cwd());
}

interface FoundFiles {
  present: string[];
  /** The error when none is present. */
  missingMessage: string;
}

async function kubeconfigFiles(flags: ConnectionFlags, env: KubeConfigEnv): Promise<FoundFiles> {
  if (flags.kubeconfig !== undefined) {
    // An explicit file must exist (client-go's ExplicitPath): reading it says so if not.
    return { present: [flags.kubeconfig], missingMessage: "" };
  }
  const listed = (env.env("KUBECONFIG") ?? "").split(":").filter((f) => f !== "");
  if (listed.length > 0) {
    // kubectl skips missing files of the list.
    const present: string[] = [];
    for (const file of listed) if (await env.fs.stat(file) !== undefined) present.push(file);
    return {
      present,
      missingMessage: `No kubeconfig found: no file of KUBECONFIG exists (${
        listed.map((f) => `"${f}"`).join(", ")
      })`,
    };
  }
  const home = env.env("HOME");
  if (!home) {
    return {
      present: [],
      missingMessage: "No kubeconfig found: $KUBECONFIG and $HOME are not set",
    };
  }
  const file = `${home}/.kube/config`;
  return {
    present: await env.fs.stat(file) === undefined ? [] : [file],
    missingMessage: `No kubeconfig found: "${file}" does not exist`,
  };
}

async function fromKubeconfig(
  files: string[],
  flags: ConnectionFlags,
  env: KubeConfigEnv,
): Promise<Target> {
  const merged = {
    clusters: [] as NamedEntry[],
    users: [] as NamedEntry[],
    contexts: [] as NamedEntry[],
    current: "",
  };
  for (const file of files) {
    const config = await readKubeConfig(file, env);
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
  const quoted = (list: string[]) => list.map((n) => `"${printable(n)}"`).join(", ");
  const context = flags.context ?? merged.current;
  let contextFields: Record<string, unknown> = {};
  if (context) {
    const contextEntry = merged.contexts.find((c) => c.name === context);
    if (contextEntry === undefined) {
      throw new ClusterError(
        `Context "${printable(context)}" not found in ${where}: ${
          names.length ? `contexts are ${quoted(names)}` : "it has no contexts"
        }`,
        { hint: 'run "kubectl config get-contexts" and pick one with --context' },
      );
    }
    contextFields = contextEntry.fields;
    warnUnknown(
      env.logger,
      where,
      `context "${printable(context)}"`,
      contextFields,
      CONTEXT_FIELDS,
    );
  } else if (flags.server === undefined && flags.cluster === undefined) {
    throw new ClusterError(`No current context in ${where}`, {
      hint: names.length
        ? `pick one with --context (${quoted(names)})`
        : "add a context to the kubeconfig",
    });
  }
  const clusterName = flags.cluster ?? stringField(contextFields, "cluster") ?? "";
  let cluster = merged.clusters.find((c) => c.name === clusterName);
  if (cluster === undefined) {
    if (flags.server === undefined) {
      throw new ClusterError(
        flags.cluster !== undefined
          ? `Cluster "${printable(clusterName)}" (--cluster) is not defined in ${where}`
          : `Context "${printable(context)}" in ${where} names cluster "${
            printable(clusterName)
          }", which is not defined`,
      );
    }
    cluster = { name: clusterName, fields: {}, dir: "." };
  }
  warnUnknown(
    env.logger,
    where,
    `cluster "${printable(cluster.name)}"`,
    cluster.fields,
    CLUSTER_FIELDS,
  );
  const userName = flags.user ?? stringField(contextFields, "user");
  const user = merged.users.find((u) => u.name === userName);
  if (user === undefined && flags.user !== undefined) {
    throw new ClusterError(`User "${printable(flags.user)}" (--user) is not defined in ${where}`);
  }
  if (user !== undefined) {
    warnUnknown(env.logger, where, `user "${printable(user.name)}"`, user.fields, USER_FIELDS);
    if (isMapping(user.fields.exec)) {
      warnUnknown(
        env.logger,
        where,
        `user "${printable(user.name)}" exec`,
        user.fields.exec,
        EXEC_FIELDS,
      );
    }
  }
  return {
    source: "kubeconfig",
    files,
    contexts: names,
    context: context ?? "",
    namespace: stringField(contextFields, "namespace") || "default",
    cluster,
    user,
    impersonate: impersonationOf(user),
    where,
  };
}

function fromFlagsOnly(flags: ConnectionFlags): Target {
  return {
    source: "flags",
    files: [],
    contexts: [],
    context: "",
    namespace: "default",
    cluster: { name: "", fields: {}, dir: "." },
    user: undefined,
    impersonate: { groups: [], extra: {} },
    where: `--server "${redactUrl(flags.server ?? "")}"`,
  };
}

/** client-go's `InClusterConfig`, with its namespace rule (`POD_NAMESPACE`, the namespace file). */
async function inCluster(
  host: string,
  port: string,
  flags: ConnectionFlags,
  env: KubeConfigEnv,
): Promise<Target> {
  const dir = env.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const where = `in-cluster configuration (KUBERNETES_SERVICE_HOST, ${dir})`;
  const cluster: NamedEntry = {
    name: "in-cluster",
    fields: { server: `https://${host.includes(":") ? `[${host}]` : host}:${port}` },
    dir,
  };
  if (await env.fs.stat(`${dir}/ca.crt`) !== undefined) {
    cluster.fields["certificate-authority"] = `${dir}/ca.crt`;
  } else if (flags.certificateAuthority === undefined) {
    env.logger.warn(`${where}: "${dir}/ca.crt" does not exist; trusting the system's CAs only`);
  }
  let namespace = env.env("POD_NAMESPACE") || "";
  if (!namespace) {
    try {
      namespace = (await env.fs.readTextFile(`${dir}/namespace`)).trim();
    } catch {
      namespace = "";
    }
  }
  return {
    source: "in-cluster",
    files: [],
    contexts: [],
    context: "",
    namespace: namespace || "default",
    cluster,
    user: { name: "in-cluster", fields: { tokenFile: `${dir}/token` }, dir },
    impersonate: { groups: [], extra: {} },
    where,
  };
}

/** The flags on top of the target, as client-go merges `ConfigOverrides`. */
function applyFlags(target: Target, flags: ConnectionFlags, cwd: string): Target {
  const cluster = { ...target.cluster, fields: { ...target.cluster.fields } };
  if (flags.server !== undefined) cluster.fields.server = flags.server;
  if (flags.certificateAuthority !== undefined) {
    cluster.fields["certificate-authority"] = absolute(flags.certificateAuthority, cwd);
    delete cluster.fields["certificate-authority-data"];
  }
  if (flags.insecureSkipTlsVerify) {
    // client-go drops the CA when the flag asks to skip verification.
    cluster.fields["insecure-skip-tls-verify"] = true;
    delete cluster.fields["certificate-authority"];
    delete cluster.fields["certificate-authority-data"];
  }
  if (flags.tlsServerName !== undefined) cluster.fields["tls-server-name"] = flags.tlsServerName;
  let user = target.user;
  if (
    flags.token !== undefined || flags.clientCertificate !== undefined ||
    flags.clientKey !== undefined
  ) {
    const fields: Record<string, unknown> = { ...user?.fields };
    if (flags.token !== undefined) {
      // A token on the command line replaces the user's other ways to log in.
      for (const key of ["tokenFile", "exec", "auth-provider", "username", "password"]) {
        delete fields[key];
      }
      fields.token = flags.token;
    }
    if (flags.clientCertificate !== undefined) {
      fields["client-certificate"] = absolute(flags.clientCertificate, cwd);
      delete fields["client-certificate-data"];
    }
    if (flags.clientKey !== undefined) {
      fields["client-key"] = absolute(flags.clientKey, cwd);
      delete fields["client-key-data"];
    }
    user = { name: user?.name ?? "", fields, dir: user?.dir ?? cwd };
  }
  const impersonate = { ...target.impersonate };
  if (flags.as !== undefined) impersonate.user = flags.as;
  if (flags.asUid !== undefined) impersonate.uid = flags.asUid;
  if (flags.asGroups !== undefined && flags.asGroups.length > 0) {
    impersonate.groups = flags.asGroups;
  }
  if (
    !impersonate.user &&
    (impersonate.uid || impersonate.groups.length || Object.keys(impersonate.extra).length)
  ) {
    throw new ClusterError(
      `Impersonation in ${target.where} names a uid, groups or extra fields but no user`,
      { hint: "add --as <user> (or the kubeconfig user's `as`)" },
    );
  }
  if (!cluster.fields.server) {
    throw new ClusterError(
      `Cluster "${printable(cluster.name)}" in ${target.where} has no server`,
      {
        hint: "set clusters[].cluster.server, or pass --server <url>",
      },
    );
  }
  return {
    ...target,
    namespace: flags.namespace ?? target.namespace,
    cluster,
    user,
    impersonate,
  };
}

function absolute(path: string, dir: string): string {
  return path.startsWith("/") ? path : `${dir}/${path}`;
}

function impersonationOf(user: NamedEntry | undefined): Impersonation {
  const fields = user?.fields ?? {};
  const groups = Array.isArray(fields["as-groups"])
    ? fields["as-groups"].filter((g): g is string => typeof g === "string")
    : [];
  const extra: Record<string, string[]> = {};
  if (isMapping(fields["as-user-extra"])) {
    for (const [key, values] of Object.entries(fields["as-user-extra"])) {
      extra[key] = Array.isArray(values) ? values.map(String) : [String(values)];
    }
  }
  return {
    ...(stringField(fields, "as") ? { user: stringField(fields, "as")! } : {}),
    ...(stringField(fields, "as-uid") ? { uid: stringField(fields, "as-uid")! } : {}),
    groups,
    extra,
  };
}

interface KubeConfigFile {
  clusters: Omit<NamedEntry, "dir">[];
  users: Omit<NamedEntry, "dir">[];
  contexts: Omit<NamedEntry, "dir">[];
  current: string;
}

/** The text of a kubeconfig file; a file that cannot be read is a ClusterError naming it. */
function readKubeConfigText(file: string, fs: FileSystem): Promise<string> {
  return readTextOrThrow(fs, file, "kubeconfig", "pass --kubeconfig <file>, or set KUBECONFIG");
}

/** The largest kubeconfig, or file it names, read (kubeconfigs with inline certificates are a few KiB). */
export const KUBECONFIG_MAX_BYTES = 4 * 1024 * 1024;

/** Reads a file named by the kubeconfig; `what` names it in the ClusterError. */
async function readTextOrThrow(
  fs: FileSystem,
  file: string,
  what: string,
  hint?: string,
): Promise<string> {
  try {
    return await fs.readTextFile(file, { maxBytes: KUBECONFIG_MAX_BYTES });
  } catch (error) {
    throw new ClusterError(
      `Cannot read ${what} "${file}": ${readFailureReason(error)}`,
      hint === undefined ? {} : { hint },
    );
  }
}

async function readKubeConfig(file: string, env: KubeConfigEnv): Promise<KubeConfigFile> {
  const text = await readKubeConfigText(file, env.fs);
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
  warnUnknown(env.logger, `kubeconfig "${file}"`, "the file", document, TOP_FIELDS);
  const list = (key: "clusters" | "users" | "contexts", inner: string) => {
    const items = document[key] ?? [];
    if (!Array.isArray(items)) throw fail(`${key} is not a list`);
    const seen = new Set<string>();
    return items.map((item: unknown, i) => {
      if (!isMapping(item) || typeof item.name !== "string" || item.name === "") {
        throw fail(`${key}[${i}].name is missing`);
      }
      // kubectl refuses the file: "duplicate name in list".
      if (seen.has(item.name)) {
        throw fail(`${key}[${i}].name "${printable(item.name)}" is a duplicate`);
      }
      seen.add(item.name);
      const fields = item[inner] ?? {};
      if (!isMapping(fields)) throw fail(`${key}[${i}].${inner} is not a map`);
      return { name: item.name, fields };
    });
  };
  const clusters = list("clusters", "cluster");
  clusters.forEach((c, i) => {
    if (c.fields.server !== undefined && typeof c.fields.server !== "string") {
      throw fail(`clusters[${i}].cluster.server is not a string`);
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

/** The fields of client-go's kubeconfig types (clientcmd/api/v1), by section. */
const TOP_FIELDS = new Set([
  "apiVersion",
  "kind",
  "preferences",
  "clusters",
  "users",
  "contexts",
  "current-context",
  "extensions",
]);
const CONTEXT_FIELDS = new Set(["cluster", "user", "namespace", "extensions"]);
const CLUSTER_FIELDS = new Set([
  "server",
  "tls-server-name",
  "insecure-skip-tls-verify",
  "certificate-authority",
  "certificate-authority-data",
  "proxy-url",
  "disable-compression",
  "extensions",
]);
const USER_FIELDS = new Set([
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "token",
  "tokenFile",
  "as",
  "as-uid",
  "as-groups",
  "as-user-extra",
  "username",
  "password",
  "auth-provider",
  "exec",
  "extensions",
]);
const EXEC_FIELDS = new Set([
  "command",
  "args",
  "env",
  "apiVersion",
  "installHint",
  "provideClusterInfo",
  "interactiveMode",
]);

function warnUnknown(
  logger: Logger,
  where: string,
  section: string,
  fields: Record<string, unknown>,
  known: ReadonlySet<string>,
): void {
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) {
      logger.warn(
        `${where}: unknown field "${printable(key, 64)}" in ${section}, ignored (as kubectl does)`,
      );
    }
  }
}

/** What the fetch client needs to reach the cluster as the user. */
export interface Connection {
  /** The API server URL, without a trailing slash. */
  server: string;
  /** Extra CA certificates (PEM) to trust. */
  caCerts: string[];
  /** The proxy to connect through, when one applies. */
  proxy?: UrlProxy;
  /** The credentials of each request. */
  credentials: CredentialSource;
  /** Request headers beyond the credentials (`Impersonate-*`). */
  headers: [string, string][];
  /** The credential plugin, when the user has one (for messages and tests). */
  exec?: ExecConfig;
}

/**
 * Reads what the target needs into a {@link Connection}: inline data is
 * base64-decoded, files are read (relative to the kubeconfig's directory),
 * the proxy is chosen ({@link proxyFor}), the credentials prepared (not yet
 * fetched: a token file is read and a plugin run on the first request).
 * Throws a {@link ClusterError} naming the field or file, never quoting it.
 */
export async function resolveConnection(target: Target, env: KubeConfigEnv): Promise<Connection> {
  const { cluster, user, where } = target;
  const fields = cluster.fields;
  const server = String(fields.server).replace(/\/+$/, "");
  const clusterWho = cluster.name ? `cluster "${printable(cluster.name)}" in ${where}` : where;
  let url: URL;
  try {
    url = new URL(server);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme");
  } catch {
    throw new ClusterError(
      `The server "${redactUrl(server).slice(0, 200)}" of ${clusterWho} is not an http(s):// URL`,
      { hint: "set the server to the API server's https:// address" },
    );
  }
  const insecure = fields["insecure-skip-tls-verify"] === true;
  if (url.protocol === "http:" && !insecure) {
    throw new ClusterError(
      `The server "${redactUrl(server)}" of ${clusterWho} is plain http://: refused without TLS`,
      { hint: 'use the https:// address, or set "insecure-skip-tls-verify: true" for the cluster' },
    );
  }
  if (url.protocol === "https:" && insecure) {
    throw new ClusterError(
      `The ${clusterWho} sets insecure-skip-tls-verify, which draconctl cannot honour on https://: ` +
        "Deno's HTTP client always verifies the server's certificate",
      {
        hint:
          "give the server's CA instead (certificate-authority(-data), or --certificate-authority)",
      },
    );
  }
  const tlsServerName = stringField(fields, "tls-server-name");
  if (tlsServerName && tlsServerName.toLowerCase() !== url.hostname.toLowerCase()) {
    throw new ClusterError(
      `The ${clusterWho} sets tls-server-name "${tlsServerName.slice(0, 100)}", ` +
        "which draconctl cannot honour: Deno's HTTP client checks the certificate against the server's host",
      {
        hint:
          `use a server URL whose host is "${
            tlsServerName.slice(0, 100)
          }" (an /etc/hosts entry), ` +
          "or drop tls-server-name if the certificate names the server's host",
      },
    );
  }
  const connection: Connection = {
    server,
    caCerts: [],
    credentials: new StaticCredentials({}),
    headers: impersonationHeaders(target.impersonate),
  };
  const ca = await material(env.fs, cluster, "certificate-authority", clusterWho);
  if (ca !== undefined) connection.caCerts.push(ca);
  const proxy = proxyFor(
    server,
    stringField(fields, "proxy-url"),
    env.env,
    `proxy-url of ${clusterWho}`,
  );
  if (proxy) connection.proxy = proxy;
  if (user === undefined) return connection;
  const who = user.name
    ? `user "${printable(user.name)}" in ${where}`
    : "the --token/--client-* flags";
  const base: Credentials = {};
  const cert = await material(env.fs, user, "client-certificate", who);
  const key = await material(env.fs, user, "client-key", who);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ClusterError(
      `The ${who} has a client ${cert === undefined ? "key" : "certificate"} but no client ${
        cert === undefined ? "certificate" : "key"
      }`,
      { hint: "set both client-certificate(-data) and client-key(-data), or neither" },
    );
  }
  if (cert !== undefined && key !== undefined) base.clientCert = { cert, key };
  const ways = ["exec", "auth-provider"].filter((k) => user.fields[k] !== undefined);
  if (ways.length === 2) {
    throw new ClusterError(`The ${who} has both exec and auth-provider: kubectl refuses that too`);
  }
  if (isMapping(user.fields.exec)) {
    const exec = parseExecConfig(user.fields.exec, who, user.dir);
    connection.exec = exec;
    connection.credentials = new ExecCredentials(exec, {
      who,
      cluster: execClusterInfo(fields, ca),
      runner: required(env.runner, "runner"),
      permissions: required(env.permissions, "permissions"),
      clock: required(env.clock, "clock"),
    });
    return connection;
  }
  if (user.fields["auth-provider"] !== undefined) {
    connection.credentials = new StaticCredentials({
      ...base,
      authorization: authProviderToken(user.fields["auth-provider"], who),
    });
    return connection;
  }
  const tokenFile = stringField(user.fields, "tokenFile");
  const token = stringField(user.fields, "token");
  const username = stringField(user.fields, "username");
  if (tokenFile) {
    // client-go: the file is read periodically and wins over `token`.
    connection.credentials = new TokenFileCredentials(absolute(tokenFile, user.dir), {
      what: `tokenFile of ${who}`,
      fs: env.fs,
      clock: required(env.clock, "clock"),
      base: token ? { ...base, authorization: `Bearer ${token}` } : base,
    });
  } else if (token) {
    connection.credentials = new StaticCredentials({ ...base, authorization: `Bearer ${token}` });
  } else if (username) {
    const password = stringField(user.fields, "password") ?? "";
    const bytes = new TextEncoder().encode(`${username}:${password}`);
    connection.credentials = new StaticCredentials({
      ...base,
      authorization: `Basic ${btoa(String.fromCharCode(...bytes))}`,
    });
  } else {
    connection.credentials = new StaticCredentials(base);
  }
  return connection;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`resolveConnection: env.${name} is needed`);
  return value;
}

/** `Impersonate-*` headers, as client-go's impersonating round tripper sends them. */
function impersonationHeaders(impersonate: Impersonation): [string, string][] {
  const headers: [string, string][] = [];
  if (!impersonate.user) return headers;
  headers.push(["Impersonate-User", impersonate.user]);
  if (impersonate.uid) headers.push(["Impersonate-Uid", impersonate.uid]);
  for (const group of impersonate.groups) headers.push(["Impersonate-Group", group]);
  for (const [key, values] of Object.entries(impersonate.extra)) {
    for (const value of values) {
      headers.push([`Impersonate-Extra-${headerKeyEscape(key)}`, value]);
    }
  }
  return headers;
}

/**
 * client-go's `headerKeyEscape`: every byte of the UTF-8 key that is not an
 * RFC 7230 `tchar` (so `%` too) becomes `%XX`.
 */
function headerKeyEscape(key: string): string {
  let escaped = "";
  for (const byte of new TextEncoder().encode(key)) {
    const char = String.fromCharCode(byte);
    escaped += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return escaped;
}

/** client-go's `clientauthentication.Cluster`, for `provideClusterInfo`. */
function execClusterInfo(fields: Record<string, unknown>, ca: string | undefined) {
  const extensions = Array.isArray(fields.extensions) ? fields.extensions : [];
  const config = extensions.find((e) =>
    isMapping(e) && e.name === "client.authentication.k8s.io/exec"
  ) as { extension?: unknown } | undefined;
  return {
    server: String(fields.server),
    ...(stringField(fields, "tls-server-name")
      ? { "tls-server-name": stringField(fields, "tls-server-name") }
      : {}),
    ...(fields["insecure-skip-tls-verify"] === true ? { "insecure-skip-tls-verify": true } : {}),
    ...(ca ? { "certificate-authority-data": btoa(ca) } : {}),
    ...(stringField(fields, "proxy-url") ? { "proxy-url": stringField(fields, "proxy-url") } : {}),
    ...(fields["disable-compression"] === true ? { "disable-compression": true } : {}),
    ...(config?.extension !== undefined ? { config: config.extension } : {}),
  };
}

/**
 * The bearer token of an `auth-provider`: `oidc` sends its `id-token` (while
 * it has not expired) as client-go's oidc provider does; the others were
 * removed from kubectl (1.26) in favour of credential plugins.
 */
function authProviderToken(provider: unknown, who: string): string {
  const name = isMapping(provider) ? String(provider.name ?? "") : "";
  const config = isMapping(provider) && isMapping(provider.config) ? provider.config : {};
  const plugins: Record<string, string> = {
    gcp: "gke-gcloud-auth-plugin",
    azure: "kubelogin",
  };
  if (name !== "oidc") {
    throw new ClusterError(
      `The ${who} uses auth-provider "${name.slice(0, 40)}", which kubectl no longer supports`,
      {
        hint: plugins[name]
          ? `use the "${plugins[name]}" credential plugin (exec) instead`
          : "use an exec credential plugin instead",
      },
    );
  }
  const idToken = typeof config["id-token"] === "string" ? config["id-token"] : "";
  const expiry = jwtExpiry(idToken);
  if (!idToken || (expiry !== undefined && expiry < Date.now())) {
    throw new ClusterError(
      `The oidc id-token of ${who} is ${
        idToken ? "expired" : "missing"
      }: draconctl does not refresh oidc tokens`,
      { hint: "log in again, or use the kubelogin credential plugin (exec), which refreshes them" },
    );
  }
  return `Bearer ${idToken}`;
}

function jwtExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** `<name>-data` (base64) or the file `<name>`, as text. */
async function material(
  fs: FileSystem,
  entry: NamedEntry,
  name: string,
  who: string,
): Promise<string | undefined> {
  const data = stringField(entry.fields, `${name}-data`);
  if (data) {
    try {
      return new TextDecoder().decode(
        Uint8Array.from(atob(data.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
      );
    } catch {
      throw new ClusterError(`The ${name}-data of ${who} is not valid base64`);
    }
  }
  const path = stringField(entry.fields, name);
  if (!path) return undefined;
  return await readTextOrThrow(fs, absolute(path, entry.dir), `the ${name} of ${who}`);
}
