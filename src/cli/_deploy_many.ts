/**
 * `pipelines deploy` of several kustomizations, or to several contexts: one
 * call of the action (`multi_deploy.ts`, `fleet_deploy.ts`) and its output —
 * each line prefixed with the kustomization (and the context), a summary
 * per context (docs/multi.md).
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import type { ChangeSetEntry } from "../k8s/applier.ts";
import type { DeployStrategy } from "../pipelines/deploy.ts";
import type {
  MultiDeployOptions,
  MultiDeployResult,
  PipelineOutcome,
} from "../pipelines/multi_deploy.ts";
import type { ContextOutcome } from "../pipelines/fleet_deploy.ts";
import type { Pipeline, Task } from "../tekton/types.ts";
import { formatChange, writeOutput } from "./_output.ts";
import { MODE_NAMES, summaryLine, validLine } from "./_deploy_format.ts";
import { policySummary } from "./_policy.ts";

/** What the command decided before the action runs. */
export interface ManyRun {
  kustomizations: readonly string[];
  /** `--context a,b` or `--all-contexts`; `undefined`: the one context of the flags. */
  contexts: readonly string[] | "all" | undefined;
  strategy: DeployStrategy;
  format: "text" | "json" | "yaml";
  /** `--output-file`, unless standard output. */
  output: string | undefined;
  /** Every file the run read, which the output must not overwrite. */
  inputs: () => string[];
  startedMs: number;
}

/** Runs the action and prints what it did, also when it failed (then rethrows). */
export async function deployMany(
  deps: Pick<
    Deps,
    "fs" | "fetcher" | "cluster" | "fleet" | "helm" | "signals" | "logger" | "stdout" | "clock"
  >,
  run: ManyRun,
  options: MultiDeployOptions,
): Promise<void> {
  const [{ deployPipelines, MultiDeployError }, { deployFleet, FleetDeployError }, { toYaml }] =
    await Promise.all([
      import("../pipelines/multi_deploy.ts"),
      import("../pipelines/fleet_deploy.ts"),
      import("../yaml/yaml.ts"),
    ]);
  const write = (text: string) => writeOutput(deps, text, run.output, run.inputs());
  // Text to standard output: each object is printed as soon as it is applied, as one deploy
  // does, in the order of the kustomizations (a later one's lines wait for the earlier ones' end).
  const streamed = new Set<string>();
  const ordered = new OrderedLines(run.kustomizations.length, (line) => deps.stdout.write(line));
  const show = async (sections: readonly Section[]) => {
    await ordered.flushAll();
    warn(sections, deps);
    const elapsedMs = deps.clock.now().getTime() - run.startedMs;
    await write(await format(run, sections, elapsedMs, toYaml, streamed));
  };
  if (run.contexts === undefined) {
    const stream = run.strategy !== "client" && run.format === "text" && run.output === undefined;
    const onApplied = (i: number, entry: ChangeSetEntry, by: number | undefined) => {
      const owner = by === undefined ? undefined : run.kustomizations[by];
      const line = changeLine(`${run.kustomizations[i]}: `, entry, run.strategy, owner);
      streamed.add(line);
      ordered.add(i, line + "\n");
    };
    const streaming = { ...options, onApplied, onSettled: (i: number) => ordered.settle(i) };
    let result: MultiDeployResult;
    try {
      result = await deployPipelines(
        run.kustomizations,
        deps,
        stream ? streaming : options,
      );
    } catch (error) {
      if (error instanceof MultiDeployError) {
        await show([{ context: undefined, outcomes: error.outcomes }]);
      }
      throw error;
    }
    if (run.strategy !== "client") {
      return await show([{ context: undefined, outcomes: result.outcomes }]);
    }
    warn([{ context: undefined, outcomes: result.outcomes }], deps);
    return await write(await printObjects(result, run));
  }
  if (run.strategy === "client") {
    throw new UsageError(
      "--dry-run (client) contacts no cluster: it takes one context, not several",
      { hint: "use --dry-run=server, or drop --context/--all-contexts" },
    );
  }
  let contexts: ContextOutcome[];
  try {
    contexts = await deployFleet(run.kustomizations, run.contexts, deps, options);
  } catch (error) {
    if (error instanceof FleetDeployError) await show(error.contexts.map(perContext));
    throw error;
  }
  await show(contexts.map(perContext));

  function perContext(c: ContextOutcome): Section {
    if (c.result !== undefined) return { context: c.context, outcomes: c.result.outcomes };
    const outcomes = c.error instanceof MultiDeployError ? c.error.outcomes : undefined;
    return outcomes ? { context: c.context, outcomes } : { context: c.context, error: c.error };
  }
}

/**
 * Lines of several producers, written in producer order: producer `c`'s
 * lines go out at once while every earlier one has settled, later ones'
 * wait in a buffer until then.
 */
class OrderedLines {
  readonly #buffers: string[][];
  readonly #settled: boolean[];
  #current = 0;
  #writing = Promise.resolve();

  constructor(count: number, private readonly out: (text: string) => Promise<void>) {
    this.#buffers = Array.from({ length: count }, () => []);
    this.#settled = Array.from({ length: count }, () => false);
  }

  add(producer: number, line: string): void {
    if (producer === this.#current) this.#write(line);
    else this.#buffers[producer]!.push(line);
  }

  settle(producer: number): void {
    this.#settled[producer] = true;
    while (this.#current < this.#settled.length && this.#settled[this.#current]) {
      this.#current++;
      const next = this.#buffers[this.#current];
      if (next !== undefined && next.length > 0) this.#write(next.splice(0).join(""));
    }
  }

  /** Writes whatever still waits, in order. */
  async flushAll(): Promise<void> {
    for (const buffer of this.#buffers) {
      if (buffer.length > 0) this.#write(buffer.splice(0).join(""));
    }
    await this.#writing;
  }

  #write(text: string): void {
    this.#writing = this.#writing.then(() => this.out(text));
    this.#writing.catch(() => {}); // a failed write is thrown by flushAll(), not left unhandled
  }
}

/** One context's part of the output: its outcomes, or why it has none. */
interface Section {
  context: string | undefined;
  outcomes?: PipelineOutcome[];
  error?: unknown;
}

/** Each deploy's warnings, named by context and kustomization. */
function warn(sections: readonly Section[], deps: Pick<Deps, "logger">): void {
  for (const section of sections) {
    for (const o of section.outcomes ?? []) {
      for (const w of o.result?.warnings ?? []) {
        deps.logger.warn(`${prefixOf(section)}${o.kustomization}: ${w}`);
      }
    }
  }
}

async function format(
  run: ManyRun,
  sections: readonly Section[],
  elapsedMs: number,
  toYaml: (value: unknown) => Promise<string> | string,
  streamed: ReadonlySet<string>,
): Promise<string> {
  if (run.format !== "text") {
    const value = {
      mode: MODE_NAMES[run.strategy],
      ...(run.contexts === undefined
        ? { pipelines: (sections[0]?.outcomes ?? []).map(summaryOf) }
        : {
          contexts: sections.map((s) => ({
            context: s.context,
            ...(s.outcomes ? { pipelines: s.outcomes.map(summaryOf) } : {}),
            ...(s.error === undefined ? {} : { error: messageOf(s.error) }),
          })),
        }),
    };
    return run.format === "json" ? JSON.stringify(value, null, 2) + "\n" : await toYaml(value);
  }
  const lines: string[] = [];
  for (const section of sections) {
    const prefix = prefixOf(section);
    if (section.outcomes === undefined) {
      lines.push(`${prefix}failed: ${messageOf(section.error)}`);
      continue;
    }
    const distinct: ChangeSetEntry[] = [];
    for (const o of section.outcomes) {
      const at = `${prefix}${o.kustomization}: `;
      for (const change of o.changes) {
        const owner = o.shared.get(change.subject);
        if (owner === undefined) distinct.push(change);
        const line = changeLine(at, change, run.strategy, owner);
        if (!streamed.has(line)) lines.push(line);
      }
      if (o.result?.strategy === "validate") lines.push(at + validLine(o.result));
      const failed = o.error !== undefined && !o.changes.some((c) => c.action === "failed");
      if (failed) lines.push(at + messageOf(o.error));
    }
    const ok = section.outcomes.filter((o) => o.error === undefined).length;
    const n = section.outcomes.length;
    lines.push(
      `${prefix}${n} pipeline${n === 1 ? "" : "s"}: ${ok} ${
        run.strategy === "apply" ? "deployed" : "passed"
      }, ${n - ok} failed; ${summaryLine(distinct, run.strategy, elapsedMs)}`,
    );
  }
  return lines.map((line) => line + "\n").join("");
}

/** One object's line: `<prefix><kustomization>: <change>[ (server dry run)][ (shared with <k>)]`. */
function changeLine(
  at: string,
  change: ChangeSetEntry,
  strategy: DeployStrategy,
  owner: string | undefined,
): string {
  return at + formatChange(change) + (strategy === "apply" ? "" : " (server dry run)") +
    (owner === undefined ? "" : ` (shared with ${owner})`);
}

function prefixOf(section: Section): string {
  return section.context === undefined ? "" : `${section.context}: `;
}

function summaryOf(o: PipelineOutcome) {
  return {
    kustomization: o.kustomization,
    ...(o.result
      ? { namespace: o.result.namespace, pipeline: o.result.pipeline, helm: o.result.helm }
      : {}),
    changes: o.changes,
    shared: [...o.shared].map(([subject, appliedFor]) => ({ subject, appliedFor })),
    warnings: o.result?.warnings ?? [],
    ...(o.result?.policy === undefined ? {} : { policy: policySummary(o.result.policy) }),
    ...(o.error === undefined ? {} : { error: messageOf(o.error) }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A client dry run: every object of every pipeline once, a shared Task once. */
async function printObjects(result: MultiDeployResult, run: ManyRun): Promise<string> {
  const seen = new Set<string>();
  const objects: (Task | Pipeline)[] = [];
  for (const o of result.outcomes) {
    for (const object of o.result?.objects ?? []) {
      const key = `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
      if (!seen.has(key)) objects.push(object);
      seen.add(key);
    }
  }
  if (run.format === "json") return JSON.stringify(objects, null, 2) + "\n";
  return await (await import("../pipelines/deploy.ts")).yamlOf(objects);
}
