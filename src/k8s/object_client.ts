/**
 * The port every Kubernetes call of draconctl goes through: server-side
 * apply, LIST, GET, DELETE and create. The real implementation is `fetch_client.ts`; the
 * applier, the Helm lookup and the shared LIST cache sit on top of it.
 *
 * @module
 */
import type { KubeObject } from "./objects.ts";

/** Options of one server-side apply request. */
export interface ServerSideApplyOptions {
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
}

/** Options of one DELETE request. */
export interface DeleteOptions {
  /**
   * The server deletes only the object with this UID and resourceVersion
   * (`DeleteOptions.preconditions`): one changed or recreated since it was
   * read is kept, and the call fails with HTTP 409.
   */
  preconditions: { uid: string; resourceVersion: string };
  /** Server-side dry run (`dryRun=All`). @default false */
  dryRun?: boolean;
}

/**
 * The few API calls the applier and the Helm lookup need. The real ones
 * (`fetch_client.ts`) throws its errors unchanged; callers map them
 * with `toKubeError` (`errors.ts`).
 */
export interface ObjectClient {
  /** The API server URL, for messages. */
  readonly server: string;
  /** `PATCH` with `application/apply-patch+yaml`; returns the object the server holds (or would). */
  apply(object: KubeObject, options: ServerSideApplyOptions): Promise<KubeObject>;
  /** One LIST of `kind` at `apiVersion` in `namespace` (`""`: every namespace). */
  list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options?: { labelSelector?: string },
  ): Promise<KubeObject[]>;
  /** One GET of an object; `undefined` when the server has none (404). */
  get(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined>;
  /**
   * One DELETE of an object under preconditions; `false` when it was gone
   * already (404). A failed precondition throws the server's 409.
   */
  delete(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions,
  ): Promise<boolean>;
  /** `POST` (create; `metadata.generateName` works); returns the object created. */
  create(object: KubeObject): Promise<KubeObject>;
}
