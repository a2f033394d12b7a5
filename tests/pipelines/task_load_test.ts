/**
 * Loading a component's Task through the cache across runs
 * (src/pipelines/task_load.ts): a hit equals the load it replaces, the key
 * changes with every input and with the code, failures are not stored and
 * read as without a cache, and a stored entry is checked before it is used.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadTask, loadTaskCached } from "../../src/pipelines/task_load.ts";
import { sha256Hex } from "../../src/base/sha256.ts";
import { MemoryCache } from "../_fakes/memory_cache.ts";
import { DRACON_ROOT } from "../cli/_cli.ts";

const FILES = [
  "components/producers/golang-gosec/task.yaml",
  // Read only by the lenient parser (a flow sequence closed at its key's indentation).
  "components/consumers/mongodb/task.yaml",
  "components/base/task.yaml",
];
const TEXTS = await Promise.all(FILES.map((f) => Deno.readTextFile(`${DRACON_ROOT}/${f}`)));

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: JSON.stringify(await promise) };
  } catch (error) {
    return { error: String(error), problems: (error as { problems?: unknown }).problems };
  }
}

Deno.test("cold then warm: the Task loadTask gives, the warm one without a parse", async () => {
  const cache = new MemoryCache();
  for (const [i, text] of TEXTS.entries()) {
    const expected = await loadTask(text, FILES[i]!, {});
    const cold = await loadTaskCached(text, sha256Hex(text), FILES[i]!, {}, cache);
    const warm = await loadTaskCached(text, sha256Hex(text), FILES[i]!, {}, cache);
    assert.equal(JSON.stringify(cold), JSON.stringify(expected), FILES[i]);
    assert.equal(JSON.stringify(warm), JSON.stringify(expected), FILES[i]);
  }
  assert.deepEqual(cache.counts(), { hits: TEXTS.length, misses: TEXTS.length });
  // The warm load parses nothing: a stored entry for text that is not even YAML is used as is.
  const [key] = cache.puts;
  const stored = cache.entries.get(key!)!;
  const fresh = new MemoryCache();
  fresh.entries.set(key!, stored);
  const notParsed = await loadTaskCached(TEXTS[0]!, sha256Hex(TEXTS[0]!), FILES[0]!, {}, fresh);
  assert.equal(JSON.stringify(notParsed), stored);
});

Deno.test("the key changes with the text, the origin, the anchor image and the code", async () => {
  const [text] = TEXTS;
  const keyOf = async (
    t: string,
    origin: string,
    options: { anchorImage?: string },
    code = "c1",
  ) => {
    const cache = new MemoryCache();
    cache.code = code;
    await loadTaskCached(t, sha256Hex(t), origin, options, cache);
    return cache.puts[0]!;
  };
  const base = await keyOf(text!, FILES[0]!, {});
  assert.equal(await keyOf(text!, FILES[0]!, {}), base, "stable");
  const variants = {
    "a changed byte": await keyOf(text!.replace("look for", "look at"), FILES[0]!, {}),
    "trailing newline": await keyOf(`${text}\n`, FILES[0]!, {}),
    "another origin": await keyOf(text!, "elsewhere/task.yaml", {}),
    "an anchor image": await keyOf(text!, FILES[0]!, { anchorImage: "registry.internal/b:1" }),
    "other code": await keyOf(text!, FILES[0]!, {}, "c2"),
  };
  for (const [what, key] of Object.entries(variants)) assert.notEqual(key, base, what);
  assert.equal(new Set(Object.values(variants)).size, Object.keys(variants).length);
});

Deno.test("a bad Task fails exactly as without a cache, every time, and is never stored", async (t) => {
  const bad: Record<string, string> = {
    "invalid YAML (line and column)":
      "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: [x\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "no document": "# nothing\n",
    "not a Task": "- a\n- b\n",
    "binary": "apiVersion: v1\u0000\n",
    "no component label": TEXTS[0]!.replace(/v1\.dracon\.ocurity\.com\/component: \w+/, ""),
    "a Tekton rule": TEXTS[2]!.replace("steps:", "stepz:"),
  };
  for (const [what, text] of Object.entries(bad)) {
    await t.step(what, async () => {
      const expected = await outcome(loadTask(text, "bad/task.yaml", {}));
      assert.ok((expected as { error?: string }).error, `${what} fails`);
      const cache = new MemoryCache();
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(
          await outcome(loadTaskCached(text, sha256Hex(text), "bad/task.yaml", {}, cache)),
          expected,
        );
      }
      assert.deepEqual(cache.puts, []);
    });
  }
});

Deno.test("a stored entry that is not a valid Task now is ignored: the text is loaded and stored again", async () => {
  const [text] = TEXTS;
  const cache = new MemoryCache();
  const expected = JSON.stringify(
    await loadTaskCached(text!, sha256Hex(text!), FILES[0]!, {}, cache),
  );
  const key = cache.puts[0]!;
  const good = JSON.parse(cache.entries.get(key)!);
  const poisons = {
    "not JSON": "{",
    "not a mapping": "[]",
    "no Task": JSON.stringify({ ...good, task: "x" }),
    "another name": JSON.stringify({ ...good, name: "other" }),
    "another type": JSON.stringify({ ...good, type: "base" }),
    "breaks a Tekton rule": JSON.stringify({
      ...good,
      task: { ...good.task, spec: { steps: [] } },
    }),
  };
  for (const [what, poison] of Object.entries(poisons)) {
    cache.entries.set(key, poison);
    const got = await loadTaskCached(text!, sha256Hex(text!), FILES[0]!, {}, cache);
    assert.equal(JSON.stringify(got), expected, what);
    assert.equal(cache.entries.get(key), expected, `${what}: rewritten`);
  }
});

Deno.test("no code digest: no lookup, no store", async () => {
  const cache = new MemoryCache();
  cache.code = undefined;
  await loadTaskCached(TEXTS[0]!, sha256Hex(TEXTS[0]!), FILES[0]!, {}, cache);
  assert.deepEqual([cache.gets, cache.puts], [[], []]);
});
