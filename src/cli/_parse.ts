/**
 * Parsers for option values; each throws commander's InvalidArgumentError so
 * a bad value is a usage error (exit 2) naming the option.
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { DNS_LABEL } from "../pipelines/component_ref.ts";
import { type LoadRestrictor, parseLoadRestrictor } from "../pipelines/ref_policy.ts";
import { ImageRefError, parseImageRef } from "../k8s/image_ref.ts";

/** Go's `time.ParseDuration` units, in milliseconds. */
const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
/** The longest duration accepted: timers of more than 2^31-1 ms would fire at once. */
export const MAX_DURATION_MS = 24 * 3_600_000;
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/**
 * Parses a duration in kubectl's syntax (Go's `time.ParseDuration`: `30s`,
 * `1m30s`, `1.5h`, `500ms`), or a bare integer of seconds as kubectl's
 * `--request-timeout` takes it, into milliseconds: from 1 ms to 24 h.
 */
export function parseDuration(value: string): number {
  const text = value.trim();
  const expected = `expected a duration such as "30s", "1m30s" or "500ms", got "${value}"`;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (DURATION.test(text)) {
    ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
      ms += Number(n) * UNITS[unit!]!;
    }
  } else throw new InvalidArgumentError(expected);
  if (ms <= 0) throw new InvalidArgumentError(`expected a positive duration, got "${value}"`);
  if (ms < 1) throw new InvalidArgumentError(`expected at least 1ms, got "${value}"`);
  if (ms > MAX_DURATION_MS) throw new InvalidArgumentError(`expected at most 24h, got "${value}"`);
  return Math.round(ms);
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
};

/** Parses a byte size such as `1MiB`, `512KiB` or `1048576`. */
export function parseByteSize(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? "?"];
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`expected a size such as "1MiB", got "${value}"`);
  }
  const bytes = Number(match[1]) * unit;
  if (bytes <= 0) throw new InvalidArgumentError(`expected a positive size, got "${value}"`);
  return bytes;
}

/** Parses a positive integer. */
function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

/** The most components loaded or applied at once (HTTP/2 servers allow 100–250 streams). */
export const MAX_CONCURRENCY = 256;

/** Parses `--concurrency`: an integer from 1 to {@link MAX_CONCURRENCY}. */
export function parseConcurrency(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`expected at most ${MAX_CONCURRENCY}, got "${value}"`);
  }
  return n;
}

/** The API server's limit on a field manager's name, in bytes. */
export const MAX_FIELD_MANAGER_BYTES = 128;

/** Parses `--field-manager` by the API server's rule: non-empty, printable, at most 128 bytes. */
export function parseFieldManager(value: string): string {
  if (value === "") throw new InvalidArgumentError("expected a non-empty name");
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_FIELD_MANAGER_BYTES) {
    throw new InvalidArgumentError(
      `expected at most ${MAX_FIELD_MANAGER_BYTES} bytes, got ${bytes} ("${value}")`,
    );
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    throw new InvalidArgumentError(`expected printable characters, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses `-n/--namespace`: a DNS-1123 label of at most 63 characters. */
export function parseNamespace(value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new InvalidArgumentError(
      `expected a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters), got "${value}"`,
    );
  }
  return value;
}

/** Parses `--load-restrictor`: `rootOnly`/`none`, or kustomize's `LoadRestrictionsRootOnly`/`LoadRestrictionsNone`. */
export function parseLoadRestrictorOption(value: string): LoadRestrictor {
  const restrictor = parseLoadRestrictor(value);
  if (restrictor === undefined) {
    throw new InvalidArgumentError(`expected "rootOnly" or "none", got "${value}"`);
  }
  return restrictor;
}

/** Parses a comma-separated host list such as `example.com,tasks.internal:8443`. */
export function parseHostList(value: string): string[] {
  const hosts = value.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  const bad = hosts.find((h) => !/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(h));
  if (hosts.length === 0 || bad !== undefined) {
    throw new InvalidArgumentError(
      `expected hosts such as "example.com,tasks.internal:8443", got "${value}"`,
    );
  }
  return hosts;
}

/** Checks a container image reference (Docker's grammar, as the kubelet reads it); returns it as written. */
export function parseImageReference(value: string): string {
  try {
    parseImageRef(value);
  } catch (error) {
    if (!(error instanceof ImageRefError)) throw error;
    throw new InvalidArgumentError(
      `expected an image reference such as "registry.internal/busybox@sha256:<64 hex>", got ` +
        `${JSON.stringify(value)} (${error.message})`,
    );
  }
  return value;
}
