/**
 * Where the credentials of API requests come from, as client-go's transport
 * layers them: fixed ones from the kubeconfig or the flags, a token file
 * read again as it rotates (`tokenFile`, the in-cluster service account
 * token), and a credential plugin (`exec_plugin.ts`).
 *
 * @module
 */
import type { Clock } from "../io/clock.ts";
import { ClusterError } from "../errors.ts";
import { type FileSystem, readFailureReason } from "../io/filesystem.ts";

/** What one request authenticates with. */
export interface Credentials {
  /** The `authorization` header (`Bearer …` or `Basic …`), when there is one. */
  authorization?: string;
  /** A client certificate and key (PEM), for TLS client authentication. */
  clientCert?: { cert: string; key: string };
}

/** Gives the credentials of the next request. */
export interface CredentialSource {
  /** The credentials to use now; fetched on first use, again once expired. */
  get(): Promise<Credentials>;
  /**
   * The server answered 401 to a request made with `refused`: fetch new ones
   * if they can differ (plugin run again, token file read again). Resolves
   * to true when retrying the request with {@link get} may help.
   */
  refresh(refused: Credentials): Promise<boolean>;
}

/** Credentials fixed for the whole run. */
export class StaticCredentials implements CredentialSource {
  readonly #credentials: Credentials;
  constructor(credentials: Credentials) {
    this.#credentials = credentials;
  }
  get(): Promise<Credentials> {
    return Promise.resolve(this.#credentials);
  }
  refresh(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/** How long a token read from a file is used before the file is read again (client-go: 1 minute). */
export const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * A bearer token read from a file, read again after
 * {@link TOKEN_FILE_REREAD_MS} and after a 401: projected service account
 * tokens rotate. When a later read fails, the last token read stays in use.
 */
export class TokenFileCredentials implements CredentialSource {
  readonly #file: string;
  readonly #what: string;
  readonly #fs: FileSystem;
  readonly #clock: Clock;
  readonly #base: Credentials;
  #current: { credentials: Credentials; readAt: number } | undefined;
  #reading: Promise<Credentials> | undefined;

  /**
   * `what` names the file in errors (`the tokenFile of user "x"`); `base`
   * adds what the token does not replace (a client certificate).
   */
  constructor(
    file: string,
    options: { what: string; fs: FileSystem; clock: Clock; base?: Credentials },
  ) {
    this.#file = file;
    this.#what = options.what;
    this.#fs = options.fs;
    this.#clock = options.clock;
    this.#base = options.base ?? {};
  }

  get(): Promise<Credentials> {
    const now = this.#clock.now().getTime();
    if (this.#current && now - this.#current.readAt < TOKEN_FILE_REREAD_MS) {
      return Promise.resolve(this.#current.credentials);
    }
    return this.#read();
  }

  async refresh(refused: Credentials): Promise<boolean> {
    if (this.#current?.credentials !== refused) return true;
    const before = refused.authorization;
    return (await this.#read()).authorization !== before;
  }

  #read(): Promise<Credentials> {
    this.#reading ??= this.#readOnce().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #readOnce(): Promise<Credentials> {
    let token: string;
    try {
      token = (await this.#fs.readTextFile(this.#file, { maxBytes: 1024 * 1024 })).trim();
    } catch (error) {
      if (this.#current) return this.#current.credentials;
      // client-go: the last token read wins over `token`, which serves until a read succeeds.
      if (this.#base.authorization) return this.#base;
      throw new ClusterError(
        `Cannot read ${this.#what} "${this.#file}": ${readFailureReason(error)}`,
      );
    }
    if (token === "") {
      if (this.#current) return this.#current.credentials;
      throw new ClusterError(`The ${this.#what} "${this.#file}" is empty`);
    }
    const credentials = { ...this.#base, authorization: `Bearer ${token}` };
    const same = this.#current?.credentials.authorization === credentials.authorization;
    this.#current = {
      credentials: same ? this.#current!.credentials : credentials,
      readAt: this.#clock.now().getTime(),
    };
    return this.#current.credentials;
  }
}
