/**
 * SHA-256 in JavaScript (`@noble/hashes`), synchronous, with no `node:`
 * import: `node:crypto` would start Deno's Node layer, ~12 ms of every run
 * from the bundle (bench/RESULTS.md, "the Node layer"). The digests of the
 * inventory, the lock file, URL pins and the cache.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const encoder = new TextEncoder();

/**
 * Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * sha256Hex(""); // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * ```
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(encoder.encode(text)));
}
