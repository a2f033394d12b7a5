/**
 * Kubeconfig credential plugins (`users[].user.exec`), as client-go runs
 * them (plugin/pkg/client/auth/exec): the command with its `args` and `env`
 * added to the inherited environment, `KUBERNETES_EXEC_INFO` holding an
 * `ExecCredential` request (`spec.interactive`, and `spec.cluster` when
 * `provideClusterInfo` is set), its standard error passed through, its
 * standard output decoded as an `ExecCredential` of the configured
 * `apiVersion` (`client.authentication.k8s.io/v1` or `v1beta1`).
 *
 * The plugin runs once per run and again only after its
 * `expirationTimestamp` or after the server refused its credentials (401),
 * by one request at a time. draconctl never prompts: `interactiveMode`
 * `Never` and `IfAvailable` run the plugin without standard input, `Always`
 * is an error. Nothing the plugin prints on standard output is ever quoted.
 *
 * @module
 */
import type { Clock } from "../io/clock.ts";
import { ClusterError } from "../errors.ts";
import type { CommandRunner } from "../io/command.ts";
import { commandName, type RunPermissions } from "../io/run_permissions.ts";
import { CREDENTIAL_PLUGINS, RUN_COMMANDS } from "../permissions.ts";
import type { Credentials, CredentialSource } from "./credentials.ts";
import { printable } from "../base/printable.ts";

/** The ExecCredential API versions client-go still speaks. */
export const EXEC_API_VERSIONS: readonly string[] = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
];

/** A kubeconfig `exec` section, checked (see {@link parseExecConfig}). */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode: "Never" | "IfAvailable" | "Always";
}

/** The `spec.cluster` a plugin gets with `provideClusterInfo` (client-go's `Cluster`). */
export type ExecClusterInfo = Record<string, unknown>;

/**
 * Checks a kubeconfig `exec` map as client-go's kubeconfig validation does;
 * `who` names the user in errors. A relative `command` holding a `/` is
 * resolved against `dir`, the kubeconfig's directory.
 */
export function parseExecConfig(
  exec: Record<string, unknown>,
  who: string,
  dir: string,
): ExecConfig {
  const fail = (reason: string) =>
    new ClusterError(`The exec credential plugin of ${who} ${reason}`, {
      hint:
        "see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins",
    });
  const command = exec.command;
  if (typeof command !== "string" || command === "") throw fail("has no command");
  const apiVersion = exec.apiVersion;
  if (typeof apiVersion !== "string" || apiVersion === "") throw fail("has no apiVersion");
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    throw fail(
      `has apiVersion "${apiVersion}": supported are ${EXEC_API_VERSIONS.join(" and ")}`,
    );
  }
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw fail("has args that are not a list of strings");
  }
  const env: Record<string, string> = {};
  const envList = exec.env ?? [];
  if (!Array.isArray(envList)) throw fail("has env that is not a list");
  for (const entry of envList) {
    const name = (entry as { name?: unknown })?.name;
    const value = (entry as { value?: unknown })?.value;
    if (typeof name !== "string" || name === "") throw fail("has an env entry without a name");
    env[name] = typeof value === "string" ? value : String(value ?? "");
  }
  // client-go defaults interactiveMode for v1beta1 only; v1 must say.
  const mode = exec.interactiveMode ??
    (apiVersion.endsWith("/v1beta1") ? "IfAvailable" : undefined);
  if (mode === undefined) throw fail(`has no interactiveMode (required by ${apiVersion})`);
  if (mode !== "Never" && mode !== "IfAvailable" && mode !== "Always") {
    throw fail(`has an invalid interactiveMode "${String(mode)}": Never, IfAvailable or Always`);
  }
  const relative = command.includes("/") && !command.startsWith("/");
  return {
    command: relative ? `${dir}/${command}` : command,
    args: args as string[],
    env,
    apiVersion,
    ...(typeof exec.installHint === "string" && exec.installHint.trim() !== ""
      ? { installHint: exec.installHint }
      : {}),
    provideClusterInfo: exec.provideClusterInfo === true,
    interactiveMode: mode,
  };
}

/** What an {@link ExecCredentials} needs besides its config. */
export interface ExecCredentialsOptions {
  /** Names the kubeconfig user in messages: `user "eks-admin"`. */
  who: string;
  /** `spec.cluster`, sent when the config sets `provideClusterInfo`. */
  cluster: ExecClusterInfo;
  runner: CommandRunner;
  permissions: RunPermissions;
  clock: Clock;
}

/** A {@link CredentialSource} that runs a kubeconfig credential plugin. */
export class ExecCredentials implements CredentialSource {
  readonly #config: ExecConfig;
  readonly #options: ExecCredentialsOptions;
  #cached: { credentials: Credentials; expires: Date | undefined } | undefined;
  #running: Promise<Credentials> | undefined;
  /** How often the plugin ran (for tests and `-v`). */
  runs = 0;

  constructor(config: ExecConfig, options: ExecCredentialsOptions) {
    this.#config = config;
    this.#options = options;
  }

  get(): Promise<Credentials> {
    const cached = this.#cached;
    if (cached && !(cached.expires && this.#options.clock.now() > cached.expires)) {
      return Promise.resolve(cached.credentials);
    }
    return this.#run();
  }

  async refresh(refused: Credentials): Promise<boolean> {
    // Another request refreshed them already.
    if (this.#cached?.credentials !== refused) return true;
    this.#cached = undefined;
    await this.#run();
    return true;
  }

  #run(): Promise<Credentials> {
    this.#running ??= this.#runOnce().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #runOnce(): Promise<Credentials> {
    const config = this.#config;
    const { who, runner, permissions } = this.#options;
    const plugin = `The credential plugin "${printable(config.command)}" of ${who}`;
    if (config.interactiveMode === "Always") {
      throw new ClusterError(`${plugin} needs an interactive terminal (interactiveMode: Always)`, {
        hint: "draconctl never prompts: log in with the plugin first, " +
          "or set interactiveMode to IfAvailable or Never",
      });
    }
    if (!(await permissions.mayRun(config.command))) {
      // Deno grants a listed name only when it found it on PATH at start.
      if (CREDENTIAL_PLUGINS.includes(config.command)) throw notInstalled(plugin, config);
      throw notAllowed(plugin, config.command);
    }
    const request = {
      kind: "ExecCredential",
      apiVersion: config.apiVersion,
      spec: {
        interactive: false,
        ...(config.provideClusterInfo ? { cluster: this.#options.cluster } : {}),
      },
    };
    let result;
    try {
      this.runs++;
      result = await runner.run(config.command, {
        args: config.args,
        env: { ...config.env, KUBERNETES_EXEC_INFO: JSON.stringify(request) },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw notInstalled(plugin, config);
      if (error instanceof Deno.errors.NotCapable) throw notAllowed(plugin, config.command);
      throw new ClusterError(`${plugin} could not be started`, { cause: error });
    }
    if (result.code !== 0) {
      throw new ClusterError(`${plugin} failed with exit code ${result.code}`, {
        hint: "its own message, if it printed one, is above",
      });
    }
    const status = decodeExecCredential(result.stdout, config.apiVersion, plugin);
    const credentials: Credentials = {
      ...(status.token ? { authorization: `Bearer ${status.token}` } : {}),
      ...(status.clientCertificateData
        ? { clientCert: { cert: status.clientCertificateData, key: status.clientKeyData! } }
        : {}),
    };
    this.#cached = { credentials, expires: status.expires };
    return credentials;
  }
}

function notInstalled(plugin: string, config: ExecConfig): ClusterError {
  return new ClusterError(`${plugin} is not installed (not found on PATH)`, {
    hint: config.installHint
      ? printable(config.installHint.replace(/\s+/g, " ").trim())
      : `install "${commandName(config.command)}", or fix the exec section of the kubeconfig`,
  });
}

function notAllowed(plugin: string, command: string): ClusterError {
  const name = commandName(command);
  const listed = CREDENTIAL_PLUGINS.includes(name);
  return new ClusterError(
    listed
      ? `${plugin} may not be run: draconctl may run "${name}" only as found on PATH`
      : `${plugin} is not among the credential plugins draconctl may run (${
        CREDENTIAL_PLUGINS.join(", ")
      })`,
    {
      hint: listed
        ? `name the command "${name}" in the kubeconfig, or put its directory first on PATH`
        : `run draconctl from source with the plugin added: deno run … --allow-run=${
          RUN_COMMANDS.join(",")
        },${name} main.ts (docs/kubeconfig.md)`,
    },
  );
}

/** The `status` of a plugin's answer, checked as client-go checks it. */
interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expires: Date | undefined;
}

function decodeExecCredential(stdout: Uint8Array, apiVersion: string, plugin: string): ExecStatus {
  const fail = (reason: string) =>
    new ClusterError(`${plugin} returned no valid ExecCredential: ${reason}`, {
      hint: "run the plugin yourself to see what it prints",
    });
  let answer: unknown;
  try {
    answer = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(stdout));
  } catch {
    throw fail(stdout.length === 0 ? "it printed nothing" : "its output is not JSON");
  }
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    throw fail("its output is not a JSON object");
  }
  const { kind, apiVersion: version, status } = answer as Record<string, unknown>;
  if (kind !== "ExecCredential") throw fail(`its kind is not ExecCredential`);
  if (version !== apiVersion) {
    throw fail(
      `it answered with apiVersion ${
        typeof version === "string" ? `"${version.slice(0, 80)}"` : "(none)"
      }, the kubeconfig asks for "${apiVersion}"`,
    );
  }
  if (status === null || typeof status !== "object") throw fail("it has no status");
  const s = status as Record<string, unknown>;
  const text = (key: string) => {
    const value = s[key];
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw fail(`status.${key} is not a string`);
    }
    return value || undefined;
  };
  const token = text("token"), cert = text("clientCertificateData"), key = text("clientKeyData");
  if (!token && !cert && !key) throw fail("status holds neither a token nor a client certificate");
  if (!cert !== !key) {
    throw fail(
      `status holds a client ${
        cert ? "certificate without its key" : "key without its certificate"
      }`,
    );
  }
  let expires: Date | undefined;
  const stamp = text("expirationTimestamp");
  if (stamp !== undefined) {
    expires = new Date(stamp);
    if (Number.isNaN(expires.getTime())) throw fail("status.expirationTimestamp is not a time");
  }
  return {
    ...(token ? { token } : {}),
    ...(cert ? { clientCertificateData: cert, clientKeyData: key! } : {}),
    expires,
  };
}
