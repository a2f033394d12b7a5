import assert from "node:assert/strict";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import {
  parseConcurrency,
  parseDuration,
  parseFieldManager,
  parseNamespace,
} from "../../src/cli/_parse.ts";

Deno.test("parseDuration() reads kubectl's (Go's) syntax and bare seconds", () => {
  const cases: [string, number][] = [
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["2h", 7_200_000],
    ["1s500ms", 1500],
    [".5s", 500],
    ["1500000us", 1500],
    ["2000000ns", 2],
    ["5", 5000],
    ["24h", 86_400_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

Deno.test("parseDuration() refuses what Go refuses, and what no timer can hold", () => {
  for (
    const text of [
      "",
      "s",
      "1d",
      "1 m",
      "-5s",
      "0s",
      "0",
      "1.5",
      "1m-30s",
      "100us",
      "25h",
      "1e3s",
    ]
  ) {
    assert.throws(() => parseDuration(text), InvalidArgumentError, `"${text}"`);
  }
});

Deno.test("parseConcurrency() takes 1 to 256", () => {
  assert.equal(parseConcurrency("1"), 1);
  assert.equal(parseConcurrency("256"), 256);
  for (const text of ["0", "257", "1.5", "x", "-1"]) {
    assert.throws(() => parseConcurrency(text), InvalidArgumentError, text);
  }
});

Deno.test("parseFieldManager() follows the API server: non-empty, printable, at most 128 bytes", () => {
  assert.equal(parseFieldManager("draconctl"), "draconctl");
  assert.equal(parseFieldManager("m".repeat(128)), "m".repeat(128));
  assert.equal(parseFieldManager("é".repeat(64)), "é".repeat(64)); // 128 bytes
  for (const text of ["", "m".repeat(129), "é".repeat(65), "a\tb", "a\u007fb"]) {
    assert.throws(() => parseFieldManager(text), InvalidArgumentError, JSON.stringify(text));
  }
});

Deno.test("parseNamespace() takes a DNS-1123 label", () => {
  assert.equal(parseNamespace("dracon-1"), "dracon-1");
  assert.equal(parseNamespace("n".repeat(63)), "n".repeat(63));
  for (const text of ["", "Dracon", "a_b", "-a", "a-", "a.b", "n".repeat(64)]) {
    assert.throws(() => parseNamespace(text), InvalidArgumentError, text);
  }
});
