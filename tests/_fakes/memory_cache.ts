/**
 * An in-memory {@link Cache} for tests: entries in a `Map`, every call
 * counted, and a code digest that tests set (changing it is changing the
 * code).
 *
 * @module
 */
import type { Cache } from "../../src/io/cache.ts";

/** A {@link Cache} held in a `Map`. */
export class MemoryCache implements Cache {
  readonly entries = new Map<string, string>();
  /** What {@link codeDigest} answers (with the modules asked for); `undefined`: no cache. */
  code: string | undefined = "code-1";
  /** Keys asked for, in order, and whether each was found. */
  readonly gets: { key: string; hit: boolean }[] = [];
  /** Keys stored, in order. */
  readonly puts: string[] = [];

  codeDigest(modules: readonly string[]): Promise<string | undefined> {
    return Promise.resolve(
      this.code === undefined ? undefined : `${this.code}:${JSON.stringify(modules)}`,
    );
  }

  get(key: string): Promise<string | undefined> {
    const value = this.entries.get(key);
    this.gets.push({ key, hit: value !== undefined });
    return Promise.resolve(value);
  }

  put(key: string, value: string): Promise<void> {
    this.puts.push(key);
    this.entries.set(key, value);
    return Promise.resolve();
  }

  /** How many gets found an entry, and how many did not. */
  counts(): { hits: number; misses: number } {
    const hits = this.gets.filter((g) => g.hit).length;
    return { hits, misses: this.gets.length - hits };
  }
}

/** A {@link Cache} that counts what reaches the one it wraps (a real one, usually). */
export class CountingCache implements Cache {
  hits = 0;
  misses = 0;
  puts = 0;
  constructor(readonly inner: Cache) {}

  codeDigest(modules: readonly string[]): Promise<string | undefined> {
    return this.inner.codeDigest(modules);
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.inner.get(key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  put(key: string, value: string): Promise<void> {
    this.puts++;
    return this.inner.put(key, value);
  }
}
