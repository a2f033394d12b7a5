/**
 * `pipelines deploy <k1> <k2> …`: several kustomizations in one run, through
 * the one deploy action ({@link deployPipeline}) of each, sharing what can be
 * shared (docs/multi.md):
 *
 * - **Inputs first, all of them.** Every kustomization is read and checked
 *   ({@link planPipeline}) before any cluster is contacted; one bad input
 *   ends the run with every problem listed and nothing connected.
 * - **One connection, one discovery, one LIST** per namespace: the deploys
 *   get the same {@link Cluster} (its applier's LISTs are shared).
 * - **Shared Tasks applied once.** The same Task (same name, same content
 *   but for the inventory annotations) named by several kustomizations is
 *   applied once; the same name with different content in one namespace is
 *   refused, naming both kustomizations, before any write. So is one
 *   Pipeline name made by two kustomizations.
 * - **Nothing written unless every deploy is ready.** Each deploy waits,
 *   just before its first write, until every other one got there too
 *   ({@link Gate}); one that failed first (a Helm reference that does not
 *   resolve, a Task owned by Helm) stops them all with nothing written.
 * - **Each Pipeline after its own Tasks.** Once writing, the deploys are
 *   independent: a Task that fails keeps back the Pipelines that need it,
 *   and only those; the error (exit code) is the worst of them.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import {
  combineErrors,
  DraconError,
  type ExitCode,
  exitCodeFor,
  ValidationError,
} from "../errors.ts";
import type { Applier, ApplyOptions, ChangeSetEntry } from "../k8s/applier.ts";
import { type KubeObject, subjectOf } from "../k8s/objects.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { Cluster, ClusterOptions } from "../tekton/cluster.ts";
import {
  deployNamespace,
  deployPipeline,
  type DeployPipelineOptions,
  type DeployResult,
} from "./deploy.ts";
import { taskDigest } from "./inventory.ts";
import { RenderMemo } from "../charts/render_memo.ts";
import { SharedReaders } from "./shared_readers.ts";
import {
  DeployError,
  type Orchestrator,
  type Prepared,
  tektonOrchestrator,
} from "./orchestrator.ts";
import type { ReadLock } from "./lock_file.ts";
import { type PipelinePlan, planPipeline } from "./plan.ts";
import { mapConcurrent } from "./_concurrency.ts";

/** Options of {@link deployPipelines}: those of one deploy, less what the run owns. */
export type MultiDeployOptions =
  & Omit<DeployPipelineOptions, "opened" | "planned" | "onApplied" | "orchestrator" | "lock">
  & {
    /** The orchestrator (tests hand in another). @default tektonOrchestrator */
    orchestrator?: Orchestrator;
    /**
     * `--locked`: each kustomization's own lock, in the order of the
     * kustomizations (docs/lock.md). @default none
     */
    locks?: readonly ReadLock[];
    /**
     * Told of each object as deploy `index` applies it (or finds it applied:
     * a shared Task, with the index of the deploy that applied it). @default none
     */
    onApplied?: (index: number, entry: ChangeSetEntry, sharedWith: number | undefined) => void;
    /** Told when deploy `index` has ended, applied or failed. @default none */
    onSettled?: (index: number) => void;
  };

/** What one kustomization of the run did. */
export interface PipelineOutcome {
  kustomization: string;
  /** What the deploy did, when it succeeded. */
  result?: DeployResult;
  /** Why it did not, when it failed (or was held back: {@link NotAppliedError}). */
  error?: unknown;
  /** What each apply did (also of a failed deploy). */
  changes: ChangeSetEntry[];
  /** Subjects of this deploy's Tasks another deploy of the run applied, with that kustomization. */
  shared: Map<string, string>;
}

/** What a run of several kustomizations did, in the order given. */
export interface MultiDeployResult {
  outcomes: PipelineOutcome[];
}

/** A deploy held back, nothing written, because another of the run failed before writing. */
export class NotAppliedError extends DraconError {
  constructor(readonly failed: readonly string[]) {
    super(`not applied: ${failed.join(", ")} failed before anything was written`);
  }
}

/**
 * A run in which at least one deploy failed; `outcomes` says what each did.
 * The exit code is the highest of the failures' (docs/multi.md).
 */
export class MultiDeployError extends DraconError {
  override readonly exitCode: ExitCode;
  constructor(readonly outcomes: PipelineOutcome[]) {
    const failed = outcomes.filter((o) =>
      o.error !== undefined && !(o.error instanceof NotAppliedError)
    );
    const first = failed[0]?.error;
    super(
      `${failed.length} of ${outcomes.length} pipeline(s) failed: ` +
        failed.map((o) => o.kustomization).join(", ") +
        (first instanceof Error ? `; ${failed[0]!.kustomization}: ${first.message}` : ""),
      first instanceof DraconError && first.hint !== undefined
        ? { hint: first.hint, cause: first }
        : { cause: first },
    );
    this.exitCode = worstExitCode(failed.map((o) => o.error));
  }
}

/** The highest exit code of `errors` (a signal's 130/143 above any other). */
export function worstExitCode(errors: readonly unknown[]): ExitCode {
  return errors.map(exitCodeFor).reduce((a, b) => (b > a ? b : a), 0 as ExitCode);
}

/** How many kustomizations are read at once. */
const PLANS_AT_ONCE = 4;

/** The plans of every kustomization, or every problem of all of them at once. */
export async function planPipelines(
  kustomizations: readonly string[],
  deps: Pick<Deps, "fs" | "fetcher">,
  options: MultiDeployOptions,
): Promise<PipelinePlan[]> {
  // A few at a time: each distinct read scope costs a Worker (an isolate, ~10 MB);
  // kustomizations with the same scope share one (shared_readers.ts).
  const readers = new SharedReaders(deps.fs);
  const fs = readers.fileSystem();
  const settled = await mapConcurrent(
    kustomizations,
    PLANS_AT_ONCE,
    (k) =>
      planPipeline(k, { ...deps, fs }, options).then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason: unknown) => ({ status: "rejected", reason }) as const,
      ),
  ).finally(() => readers.closeAll());
  const errors = settled.flatMap((s) => s.status === "rejected" ? [s.reason] : []);
  if (errors.length > 0) throw combineErrors(errors);
  const plans = settled.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  checkSharedTasks(kustomizations, plans, options.cluster.namespace);
  return plans;
}

/**
 * The same Task name with different content, from two kustomizations that
 * deploy to the same namespace (`undefined`: the context's), is refused.
 *
 * @throws {ValidationError} one problem per Task, naming both kustomizations
 */
export function checkSharedTasks(
  kustomizations: readonly string[],
  plans: readonly PipelinePlan[],
  namespaceFlag: string | undefined,
): void {
  const seen = new Map<string, { kustomization: string; digest: string }>();
  const problems: string[] = [];
  plans.forEach((plan, i) => {
    const namespace = deployNamespace(namespaceFlag, plan.kustomization.namespace, plan.file);
    for (const component of plan.local) {
      const key = `${namespace ?? ""}/${component.name}`;
      const digest = taskDigest(component.task);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, { kustomization: kustomizations[i]!, digest });
      else if (first.digest !== digest) {
        problems.push(
          `Task "${component.name}" differs between ${first.kustomization} and ${
            kustomizations[i]
          }${namespace === undefined ? "" : ` (namespace "${namespace}")`}: ` +
            "one run applies a Task once",
        );
      }
    }
  });
  if (problems.length > 0) {
    throw new ValidationError([...new Set(problems)], {
      hint: "make the two Tasks identical, rename one, or deploy them to different namespaces",
    });
  }
}

/**
 * Deploys every kustomization with one strategy through one connection (per
 * namespace): inputs first, then the cluster, nothing written unless every
 * deploy is ready, each Pipeline after its own Tasks.
 *
 * @throws the inputs' errors (nothing connected), or {@link MultiDeployError} with every outcome
 */
export async function deployPipelines(
  kustomizations: readonly string[],
  deps:
    & Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals">
    & Partial<Pick<Deps, "logger">>,
  options: MultiDeployOptions,
  plans?: readonly PipelinePlan[],
): Promise<MultiDeployResult> {
  const planned = plans ?? await planPipelines(kustomizations, deps, options);
  const gate = new Gate(kustomizations, async () => {
    checkPipelineNames(kustomizations, prepared);
    await options.beforeApply?.(
      prepared.flatMap((p) => p === undefined ? [] : [...p.tasks, p.pipeline]),
    );
  });
  const prepared: (Prepared | undefined)[] = kustomizations.map(() => undefined);
  const connections = new Map<string, Promise<Cluster>>();
  const connect = (clusterOptions: ClusterOptions) => {
    const key = JSON.stringify(clusterOptions);
    let cluster = connections.get(key);
    if (cluster === undefined) {
      cluster = deps.cluster(clusterOptions);
      connections.set(key, cluster);
    }
    return cluster;
  };
  const base = options.orchestrator ?? tektonOrchestrator;
  const written = new AfterWrites(kustomizations.length);
  const tasks = new SharedTasks(planned, options.cluster.namespace, written);
  // A Task shared by many kustomizations is rendered once per run.
  const render = { ...options.render, memo: options.render?.memo ?? new RenderMemo() };
  const settled = await Promise.allSettled(
    kustomizations.map((kustomization, i) =>
      deployOne(kustomization, i).catch((error) => {
        gate.leave(i);
        written.done(i);
        throw error;
      }).finally(() => options.onSettled?.(i))
    ),
  );
  async function deployOne(kustomization: string, i: number): Promise<DeployResult> {
    const orchestrator: Orchestrator = {
      prepare: (...args) => (prepared[i] = base.prepare(...args)),
      deploy: (p, applier, o) =>
        base.deploy(p, tasks.applier(applier, i, o?.stop), o).finally(() => written.done(i)),
    };
    const cluster = async (o: ClusterOptions): Promise<Cluster> => {
      const c = await connect(o);
      return { ...c, client: written.client(c.client, i, JSON.stringify(o)) };
    };
    const { locks, onApplied, onSettled: _, ...one } = options;
    const lock = locks?.[i];
    const told = (entry: ChangeSetEntry) =>
      onApplied?.(i, entry, entry.kind === "Task" ? tasks.appliedBy(i, entry.name) : undefined);
    return await deployPipeline(kustomization, { ...deps, cluster }, {
      ...one,
      render,
      ...(onApplied === undefined ? {} : { onApplied: told }),
      ...(lock === undefined ? {} : { lock }),
      planned: planned[i]!,
      orchestrator,
      beforeApply: () => gate.arrive(i),
    });
  }
  if (options.strategy === "client" && settled.every((s) => s.status === "fulfilled")) {
    checkPipelineNames(kustomizations, prepared); // printed, not applied: checked all the same
  }
  const outcomes = settled.map((s, i): PipelineOutcome => {
    const kustomization = kustomizations[i]!;
    const shared = new Map<string, string>();
    const result = s.status === "fulfilled" ? s.value : undefined;
    const failure = s.status === "rejected" ? s.reason : undefined;
    const changes = result?.changes ?? (failure instanceof DeployError ? failure.changes : []);
    for (const change of changes) {
      const by = change.kind === "Task" ? tasks.appliedBy(i, change.name) : undefined;
      if (by !== undefined) shared.set(change.subject, kustomizations[by]!);
    }
    return s.status === "fulfilled"
      ? { kustomization, result: s.value, changes, shared }
      : { kustomization, error: s.reason, changes, shared };
  });
  if (outcomes.some((o) => o.error !== undefined)) {
    // Nothing applied: the inputs' or the cluster's own error, as one deploy reports it.
    if (outcomes.every((o) => o.changes.length === 0)) {
      const own = outcomes.flatMap((o) => o.error instanceof NotAppliedError ? [] : [o.error]);
      throw combineErrors(own);
    }
    throw new MultiDeployError(outcomes);
  }
  return { outcomes };
}

/** Two kustomizations of one run that make the same Pipeline (name and namespace) are refused. */
function checkPipelineNames(
  kustomizations: readonly string[],
  prepared: readonly (Prepared | undefined)[],
): void {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  prepared.forEach((p, i) => {
    if (p === undefined) return;
    const key = keyOf(p.pipeline);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, kustomizations[i]!);
    else {
      problems.push(
        `${first} and ${
          kustomizations[i]
        } both make pipeline.tekton.dev/${p.pipeline.metadata.name}`,
      );
    }
  });
  if (problems.length > 0) {
    throw new ValidationError(problems, {
      hint: "give one of them another nameSuffix, or deploy it to another namespace",
    });
  }
}

function keyOf(object: Pick<KubeObject, "kind" | "metadata">): string {
  return `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/**
 * Each Task of the run applied once, by the first kustomization (in the
 * order given) that names it in its namespace, so the object applied — its
 * source annotation included — and the output do not depend on timing. The
 * others wait for that apply and share its answer (and its failure); if that
 * deploy ends without applying it (the Helm release provides it there), the
 * next one applies it itself.
 */
class SharedTasks {
  /** Where each deploy's Tasks go: its namespace, or "" for the context's. */
  readonly #group: string[];
  /** The first deploy naming each Task, by `group/name`. */
  readonly #first = new Map<string, number>();
  readonly #started = new Map<string, Deferred<{ entry: Promise<ChangeSetEntry> }>>();
  readonly #by = new Map<string, number>();
  readonly #written: AfterWrites;

  constructor(
    plans: readonly PipelinePlan[],
    namespaceFlag: string | undefined,
    written: AfterWrites,
  ) {
    this.#written = written;
    this.#group = plans.map((plan) =>
      deployNamespace(namespaceFlag, plan.kustomization.namespace, plan.file) ?? ""
    );
    plans.forEach((plan, i) => {
      for (const c of plan.local) {
        const key = `${this.#group[i]}/${c.name}`;
        if (!this.#first.has(key)) this.#first.set(key, i);
      }
    });
  }

  /** The deploy that applied Task `name` of deploy `i`, when another one did. */
  appliedBy(i: number, name: string): number | undefined {
    const by = this.#by.get(`${this.#group[i]}/${name}`);
    return by === i ? undefined : by;
  }

  /** The applier deploy `i` writes through. */
  applier(applier: Applier, i: number, stop: AbortSignal | undefined): Applier {
    return {
      check: (objects) => applier.check(objects),
      apply: async (object: KubeObject, options?: ApplyOptions): Promise<ChangeSetEntry> => {
        if (object.kind !== "Task") return await applier.apply(object, options);
        const key = `${this.#group[i]}/${object.metadata.name}`;
        const first = this.#first.get(key) ?? i;
        const started = this.#startedFor(key);
        if (first !== i) {
          const theirs = await Promise.race([
            started.promise,
            this.#written.whenDone(first).then(() => undefined),
          ]);
          if (theirs !== undefined) return await theirs.entry;
          if (stop?.aborted) return { ...entryOf(object), action: "skipped" };
        }
        if (this.#by.has(key)) return await started.promise.then((s) => s.entry);
        this.#by.set(key, i);
        const entry = applier.apply(object, options);
        started.resolve({ entry });
        return await entry;
      },
    };
  }

  #startedFor(key: string): Deferred<{ entry: Promise<ChangeSetEntry> }> {
    let started = this.#started.get(key);
    if (started === undefined) this.#started.set(key, started = deferred());
    return started;
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function entryOf(object: KubeObject): Omit<ChangeSetEntry, "action"> {
  return {
    subject: subjectOf(object),
    kind: object.kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
  };
}

/**
 * The one Task LIST after the writes: a deploy that applied its Pipeline
 * reads its Tasks once more, to keep them from a concurrent prune
 * (`keepTasks` of deploy.ts) — with a GET of each Task when they fit one
 * round (those go straight through), else with a LIST. Made once every deploy of the run has written
 * (or failed), that LIST is as fresh for each of them as its own would be,
 * and the run sends one instead of one per pipeline. Every other call, and
 * any call of a deploy still before its writes, goes straight through.
 */
class AfterWrites {
  readonly #pending: Set<number>;
  readonly #all: Promise<void>;
  #resolve!: () => void;
  readonly #lists = new Map<string, Promise<KubeObject[]>>();

  readonly #each: Deferred<void>[];

  constructor(count: number) {
    this.#pending = new Set(Array.from({ length: count }, (_, i) => i));
    this.#each = Array.from({ length: count }, () => deferred<void>());
    this.#all = new Promise((resolve) => (this.#resolve = resolve));
    if (count === 0) this.#resolve();
  }

  /** Deploy `i` wrote all it will write (or failed). */
  done(i: number): void {
    this.#pending.delete(i);
    this.#each[i]?.resolve();
    if (this.#pending.size === 0) this.#resolve();
  }

  /** Resolves when deploy `i` is {@link done}. */
  whenDone(i: number): Promise<void> {
    return this.#each[i]!.promise;
  }

  /** `client` as deploy `i` sees it, on the connection named `connection`. */
  client(client: ObjectClient, i: number, connection: string): ObjectClient {
    return {
      get server() {
        return client.server;
      },
      apply: (object, o) => client.apply(object, o),
      get: (...args) => client.get(...args),
      delete: (...args) => client.delete(...args),
      create: (object) => client.create(object),
      list: async (apiVersion, kind, namespace, o = {}) => {
        if (kind !== "Task" || o.labelSelector !== undefined || this.#pending.has(i)) {
          return await client.list(apiVersion, kind, namespace, o);
        }
        await this.#all;
        const key = `${connection}|${apiVersion}|${namespace}`;
        let listed = this.#lists.get(key);
        if (listed === undefined) {
          listed = client.list(apiVersion, kind, namespace);
          this.#lists.set(key, listed);
        }
        return await listed;
      },
    };
  }
}

/**
 * Holds every deploy of the run just before its first write until all of
 * them got there; then runs `ready` once (the checks across the run). A
 * deploy that fails before (it {@link leave}s) holds back all of them.
 */
class Gate {
  readonly #arrived = new Set<number>();
  readonly #left = new Set<number>();
  readonly #opened: Promise<void>;
  #open!: () => void;
  #refuse!: (error: unknown) => void;

  constructor(readonly kustomizations: readonly string[], ready: () => Promise<void>) {
    const settled = new Promise<void>((resolve, reject) => {
      this.#open = resolve;
      this.#refuse = reject;
    });
    this.#opened = settled.then(ready);
    this.#opened.catch(() => {});
  }

  arrive(i: number): Promise<void> {
    this.#arrived.add(i);
    this.#settle();
    return this.#opened;
  }

  leave(i: number): void {
    if (this.#arrived.has(i)) return; // failed while writing: the others go on
    this.#left.add(i);
    this.#settle();
  }

  #settle(): void {
    if (this.#arrived.size + this.#left.size < this.kustomizations.length) return;
    if (this.#left.size === 0) this.#open();
    else {this.#refuse(
        new NotAppliedError([...this.#left].sort().map((i) => this.kustomizations[i]!)),
      );}
  }
}
