/**
 * Parsers for option values; each throws commander's InvalidArgumentError so
 * a bad value is a usage error (exit 2) naming the option.
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { type LoadRestrictor, parseLoadRestrictor } from "../pipelines/ref_policy.ts";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as `30s`, `500ms`, `2m`, or a bare number of seconds, into milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) {
    throw new InvalidArgumentError(`expected a duration such as "30s" or "500ms", got "${value}"`);
  }
  const ms = Number(match[1]) * UNITS[match[2] ?? "s"]!;
  if (ms <= 0) throw new InvalidArgumentError(`expected a positive duration, got "${value}"`);
  return ms;
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
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
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
