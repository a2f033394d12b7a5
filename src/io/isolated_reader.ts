/**
 * {@link ConfinedReader} that reads in one Deno Worker whose only permission
 * is read access to the run's {@link ReadScope}: no write, network,
 * environment, subprocess, FFI or system access, and no read outside the
 * scope. The Worker resolves every path before using it (see
 * `_read_worker.ts`), so a symlink leading out is refused by Deno's own
 * permission check even where draconctl's checks miss it. One Worker serves
 * a whole run; it starts on the first read.
 *
 * Narrowed Worker permissions need `--unstable-worker-options` (part of the
 * shipped flags, scripts/permissions.ts).
 *
 * @module
 */
import { LoadError } from "../errors.ts";
import { workerModule } from "../base/worker_modules.ts";
import {
  type ConfinedReader,
  DEFAULT_MAX_FILE_BYTES,
  type DirEntry,
  FileRefusedError,
  FileTooLargeError,
  NotRegularFileError,
  OutsideScopeError,
  type PathInfo,
  type ReadFileOptions,
  type ReadScope,
} from "./files.ts";
import type { ReadFailure, ReadReply, ReadRequest } from "./_read_worker.ts";

/** Options of {@link IsolatedReader}. */
export interface IsolatedReaderOptions {
  /** The Worker module; tests hand in a hostile one to prove the narrowing. @default `_read_worker.ts` */
  workerUrl?: URL;
}

const DEFAULT_WORKER = workerModule("read");

/**
 * The permissions of the read Worker: read access to `scope.paths` (or
 * everywhere), nothing else.
 *
 * @example
 * ```ts
 * readPermissions({ paths: ["/repo/pipelines"] }).read; // ["/repo/pipelines"]
 * ```
 */
export function readPermissions(scope: ReadScope): Deno.PermissionOptionsObject {
  const paths = scope.paths;
  return {
    read: paths === "anywhere" ? true : paths.length === 0 ? false : [...paths],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

type Request = ReadRequest extends infer R ? R extends unknown ? Omit<R, "id"> : never : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  request: Request;
  timer: ReturnType<typeof setTimeout>;
}

/** Reads files in a Worker confined to `scope`; see the module documentation. */
export class IsolatedReader implements ConfinedReader {
  readonly #scope: ReadScope;
  readonly #workerUrl: URL;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 0;
  #closed = false;

  constructor(scope: ReadScope, options: IsolatedReaderOptions = {}) {
    this.#scope = scope;
    this.#workerUrl = options.workerUrl ?? DEFAULT_WORKER;
  }

  stat(path: string): Promise<PathInfo | undefined> {
    return this.#call({ op: "stat", path });
  }

  realPath(path: string): Promise<string> {
    return this.#call({ op: "realPath", path });
  }

  readDir(path: string): Promise<DirEntry[]> {
    return this.#call({ op: "readDir", path });
  }

  readTextFile(path: string, options: ReadFileOptions = {}): Promise<string> {
    return this.#call({
      op: "readTextFile",
      path,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_FILE_BYTES,
    });
  }

  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const [id, pending] of this.#pending) {
      this.#settle(id)?.reject(new FileRefusedError(pending.request.path, "the reader was closed"));
    }
  }

  #call<T>(request: Request): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new FileRefusedError(request.path, "the reader was closed"));
    }
    const worker = this.#worker ??= this.#start(request.path);
    const id = this.#nextId++;
    const done = Promise.withResolvers<T>();
    const timeoutMs = this.#scope.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      this.#settle(id)?.reject(
        new FileRefusedError(request.path, `reading timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    this.#pending.set(id, {
      resolve: done.resolve as (value: unknown) => void,
      reject: done.reject,
      request,
      timer,
    });
    worker.postMessage({ ...request, id } as ReadRequest);
    return done.promise;
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  #start(path: string): Worker {
    let worker: Worker;
    try {
      worker = new Worker(this.#workerUrl, {
        type: "module",
        name: "read local inputs",
        deno: { permissions: readPermissions(this.#scope) },
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new LoadError(path, `cannot start the isolated read worker: ${reason}`, {
        cause,
        hint: 'run draconctl with the shipped flags (they include "--unstable-worker-options")',
      });
    }
    worker.onmessage = ({ data: reply }: MessageEvent<ReadReply>) => {
      const pending = this.#settle(reply.id);
      if (pending === undefined) return;
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(errorOf(reply.error, pending.request, this.#scope));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(`the read worker failed: ${event.message}`);
    };
    worker.onmessageerror = () => this.#failAll("the read worker sent an unreadable answer");
    return worker;
  }

  #failAll(reason: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const [id, pending] of this.#pending) {
      this.#settle(id)?.reject(new FileRefusedError(pending.request.path, reason));
    }
  }
}

/** The error a failure in the Worker stands for, rebuilt on this side. */
function errorOf(failure: ReadFailure, request: Request, scope: ReadScope): Error {
  const { path } = request;
  switch (failure.name) {
    case "NotCapable":
      return new OutsideScopeError(path, failure.leadsTo, scope.paths === "anywhere");
    case "NotRegularFileError":
      return new NotRegularFileError(path, failure.type ?? "special file");
    case "FileTooLargeError":
      return new FileTooLargeError(
        path,
        request.op === "readTextFile" ? request.maxBytes : DEFAULT_MAX_FILE_BYTES,
        failure.size,
      );
    case "FileRefusedError":
      return new FileRefusedError(path, failure.reason ?? failure.message);
  }
  const DenoError =
    (Deno.errors as unknown as Record<string, (new (message: string) => Error) | undefined>)[
      failure.name
    ];
  const error = DenoError === undefined
    ? new Error(failure.message)
    : new DenoError(failure.message);
  if (DenoError === undefined) error.name = failure.name;
  return error;
}
