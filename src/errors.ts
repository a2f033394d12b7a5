/**
 * The project's error classes. Every error draconctl raises on purpose is one
 * of these; `main.ts` maps them to exit codes with {@link exitCodeFor}.
 *
 * Messages follow one shape: sentence case, no trailing period, the subject
 * first, then what failed, then the state after a colon. A remedy goes into
 * `hint`, printed on its own `hint:` line.
 *
 * @module
 */

/** Documented exit codes (docs/exit-codes.md). */
export const ExitCode = {
  ok: 0,
  /** Unexpected internal error (a bug). */
  internal: 1,
  /**
   * `--exit-code` of `pipelines diff` and `status`: differences found (the
   * convention of `git diff` and `kubectl diff`); nothing is printed to stderr.
   */
  differs: 1,
  /** Bad command line: unknown flag, missing argument. */
  usage: 2,
  /** Bad input: YAML, kustomization, reference or Task that does not validate. */
  invalidInput: 3,
  /** A component could not be loaded: missing file, URL failure, digest mismatch. */
  load: 4,
  /** The cluster refused or could not be reached; nothing or only Tasks were applied. */
  cluster: 5,
  /** The `helm` binary is missing or failed. */
  helm: 6,
  /** `pipelines run --wait`: the PipelineRun failed (or was cancelled). */
  runFailed: 7,
  /** `pipelines run --wait`: the PipelineRun timed out. */
  runTimedOut: 8,
  /**
   * `--locked` or `pipelines lock --check`: what the kustomization resolves to
   * differs from its lock file (docs/lock.md); nothing was written.
   */
  lockMismatch: 9,
  /** `--policy`: a Task breaks the image policy, or the policy cannot be evaluated; nothing applied. */
  policy: 10,
  /** `components upgrade-check`: the chart upgrade would break a Pipeline of the namespace. */
  upgradeBreaks: 11,
  /** Interrupted by SIGINT (128 + 2), as shells report it. */
  interrupted: 130,
  /** Standard output was closed by its reader (`| head`): 128 + SIGPIPE, as shells report it. */
  outputClosed: 141,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Options shared by every draconctl error. */
export interface DraconErrorOptions extends ErrorOptions {
  /** A remedy, printed on its own `hint:` line. */
  hint?: string;
}

/** Base class of errors that carry an exit code and an optional hint. */
export class DraconError extends Error {
  readonly exitCode: ExitCode = ExitCode.internal;
  readonly hint: string | undefined;
  constructor(message: string, options: DraconErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The command line itself is wrong. */
export class UsageError extends DraconError {
  override readonly exitCode = ExitCode.usage;
}

/** A YAML document could not be parsed; `line` and `column` are 1-based. */
export class ManifestSyntaxError extends SyntaxError {
  readonly exitCode = ExitCode.invalidInput;
  readonly hint: string | undefined = undefined;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}:${line}:${column}: invalid YAML: ${reason}`, options);
    this.name = "ManifestSyntaxError";
  }
}

/** Options of {@link ValidationError}. */
export interface ValidationErrorOptions extends DraconErrorOptions {
  /** Exit code when the problems are not plain input errors (e.g. all load failures). */
  exitCode?: ExitCode;
}

/** Input that parsed but is not acceptable; lists every problem found. */
export class ValidationError extends DraconError {
  override readonly exitCode: ExitCode;
  /** Each problem as its own one-line message, already prefixed with its subject. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options: ValidationErrorOptions = {}) {
    super(problems.join("\n"), options);
    this.problems = problems;
    this.exitCode = options.exitCode ?? ExitCode.invalidInput;
  }
}

/**
 * Combines the errors of several inputs into one: a single error is returned
 * as it is; several become a {@link ValidationError} listing each different
 * message once, with their
 * common exit code (or 3 when they differ) and the first hint. Errors that are
 * not the project's own (bugs) are returned first, unchanged.
 */
export function combineErrors(errors: readonly unknown[]): unknown {
  const foreign = errors.find((e) =>
    !(e instanceof DraconError || e instanceof ManifestSyntaxError)
  );
  if (foreign !== undefined || errors.length === 1) return foreign ?? errors[0];
  const known = errors as readonly (DraconError | ManifestSyntaxError)[];
  // The same problem met by several inputs (helm missing for each Task) is said once.
  const problems = [
    ...new Set(known.flatMap((e) => e instanceof ValidationError ? e.problems : [e.message])),
  ];
  if (problems.length === 1) return known[0];
  const codes = new Set(known.map((e) => e.exitCode));
  const hint = known.find((e) => e.hint !== undefined)?.hint;
  return new ValidationError(problems, {
    exitCode: codes.size === 1 ? [...codes][0]! : ExitCode.invalidInput,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** A component reference that cannot be parsed or is not allowed. */
export class ComponentRefError extends DraconError {
  override readonly exitCode = ExitCode.invalidInput;
  constructor(readonly ref: string, reason: string, options: DraconErrorOptions = {}) {
    super(`Invalid component reference "${ref}": ${reason}`, options);
  }
}

/** A kustomization file that is malformed. */
export class KustomizationError extends DraconError {
  override readonly exitCode = ExitCode.invalidInput;
  constructor(readonly file: string, reason: string, options: DraconErrorOptions = {}) {
    super(`${file}: ${reason}`, options);
  }
}

/** A component or file that could not be read or fetched. */
export class LoadError extends DraconError {
  override readonly exitCode = ExitCode.load;
  constructor(readonly source: string, reason: string, options: DraconErrorOptions = {}) {
    super(`Cannot load "${source}": ${reason}`, options);
  }
}

/**
 * `pipelines diff --exit-code` found changes, `pipelines status --exit-code`
 * an object not in sync: exit 1, quietly (the output already says what).
 */
export class DifferencesFound extends DraconError {
  override readonly exitCode = ExitCode.differs;
}

/** The cluster could not be reached or refused a request. */
export class ClusterError extends DraconError {
  override readonly exitCode: ExitCode = ExitCode.cluster;
}

/**
 * Standard output was closed by its reader (`draconctl … | head -1`): normal
 * use, so the run ends quietly with {@link ExitCode.outputClosed}.
 */
export class OutputClosedError extends DraconError {
  override readonly exitCode = ExitCode.outputClosed;
  constructor(options: ErrorOptions = {}) {
    super("standard output was closed", options);
  }
}

/** The `helm` binary is missing or failed. */
export class HelmError extends DraconError {
  override readonly exitCode = ExitCode.helm;
}

/** `pipelines run --wait`: the PipelineRun ended without succeeding. */
export class PipelineRunFailedError extends DraconError {
  override readonly exitCode: ExitCode = ExitCode.runFailed;
}

/** `pipelines run --wait`: the PipelineRun ran out of time (Tekton's `PipelineRunTimeout`). */
export class PipelineRunTimedOutError extends PipelineRunFailedError {
  override readonly exitCode: ExitCode = ExitCode.runTimedOut;
}

/**
 * What a kustomization resolves to differs from its lock file: every
 * difference, one problem each, naming the component and both digests.
 */
export class LockMismatchError extends ValidationError {
  constructor(problems: readonly string[], options: DraconErrorOptions = {}) {
    super(problems, { ...options, exitCode: ExitCode.lockMismatch });
  }
}

/**
 * `components upgrade-check`: the upgrade would break a Pipeline, or Tekton
 * would refuse a new Task. The report (standard output) says what; the
 * message names the Pipelines and the Tasks.
 */
export class UpgradeBreaksError extends DraconError {
  override readonly exitCode = ExitCode.upgradeBreaks;
}

/** The exit code for any thrown value; unknown errors are internal (1). */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof DraconError || error instanceof ManifestSyntaxError) return error.exitCode;
  return ExitCode.internal;
}

/** The `hint:` text of an error, if it has one. */
export function hintOf(error: unknown): string | undefined {
  if (error instanceof DraconError || error instanceof ManifestSyntaxError) return error.hint;
  return undefined;
}

/** Quoted input longer than this is shortened in messages ({@link shortenMessage}). */
export const MAX_QUOTED_CHARS = 120;
/** A message line longer than this (after shortening quotes) is cut. */
export const MAX_LINE_CHARS = 1000;

/**
 * The one truncation rule for input quoted in messages: a value of more than
 * {@link MAX_QUOTED_CHARS} characters keeps its first 80 and last 30, joined
 * by `…`, and says how long it was. Counts code points, so no character is
 * split.
 *
 * @example
 * ```ts
 * excerpt("a".repeat(500)); // 80 "a", then "…", 30 "a", then " (500 characters)"
 * ```
 */
export function excerpt(text: string): string {
  const chars = [...text];
  if (chars.length <= MAX_QUOTED_CHARS) return text;
  return `${chars.slice(0, 80).join("")}…${chars.slice(-30).join("")} (${chars.length} characters)`;
}

/**
 * A message as it may be printed: control characters (a newline, an escape
 * sequence from a binary file) written as `\n`, `\u001b`, so every message
 * stays one line and cannot drive the terminal; every `"…"`-quoted value
 * shortened by {@link excerpt}; and the line cut at {@link MAX_LINE_CHARS}.
 */
export function shortenMessage(message: string): string {
  const escaped = message.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) =>
      c === "\n"
        ? "\\n"
        : c === "\r"
        ? "\\r"
        : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const quoted = escaped.replace(
    /"((?:[^"\\]|\\.)*)"/g,
    (whole, inner: string) => {
      const short = excerpt(inner);
      if (short === inner) return whole;
      return `"${short.replace(/ \(\d+ characters\)$/, "")}"${
        short.slice(short.lastIndexOf(" ("))
      }`;
    },
  );
  const chars = [...quoted];
  if (chars.length <= MAX_LINE_CHARS) return quoted;
  return `${chars.slice(0, MAX_LINE_CHARS).join("")}… (${
    chars.length - MAX_LINE_CHARS
  } more characters)`;
}
