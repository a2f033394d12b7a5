/**
 * The port every Kubernetes call of draconctl goes through: server-side
 * apply, LIST, and (`pipelines run`) GET and create. The real implementation is `fetch_client.ts`; the
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
  /** One LIST of `kind` at `apiVersion` in `namespace`. */
  list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options?: { labelSelector?: string },
  ): Promise<KubeObject[]>;
  /** One GET; `undefined` when the object does not exist (404 with a served kind). */
  get(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined>;
  /** `POST` (create; `metadata.generateName` works); returns the object created. */
  create(object: KubeObject): Promise<KubeObject>;
}
