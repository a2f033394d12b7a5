import assert from "node:assert/strict";
import { LoadError, ManifestSyntaxError, ValidationError } from "../../src/errors.ts";
import { DEFAULT_FETCH_OPTIONS } from "../../src/fetch/fetcher.ts";
import {
  type LoadableRef,
  loadComponentDocument,
  type UrlRef,
} from "../../src/pipelines/component_loader.ts";
import { sha256Hex } from "../../src/base/sha256.ts";
import { parseComponentRef } from "../../src/pipelines/component_ref.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

const TASK = "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: git-clone\n";
const URL_TASK = "https://example.com/c/git/task.yaml";

function setup() {
  const fs = new MemoryFileSystem({
    "/repo/c/git/task.yaml": TASK,
    "/repo/c/file.yaml": `# a comment\n---\n${TASK}`,
    "/repo/c/nodir/readme.md": "",
    "/repo/c/empty.yaml": "# nothing\n---\n",
    "/repo/c/two.yaml": `${TASK}---\n${TASK}`,
    "/repo/c/nul.yaml": "kind: Task\0\0",
    "/repo/c/latin1.yaml": "kind: T\uFFFDsk\n",
    "/repo/c/broken.yaml": "kind: Task\nmetadata: [a\n  b: : c\n",
    "/repo/c/null.yaml": "---\n~\n---\n" + TASK,
  });
  const fetcher = new FakeFetcher({ [URL_TASK]: TASK });
  return { fs, fetcher };
}

function ref(raw: string): LoadableRef {
  const parsed = parseComponentRef(raw, { baseDir: "/repo" });
  assert.ok(parsed.kind === "file" || parsed.kind === "url");
  return parsed;
}

async function fails<E extends Error>(
  raw: string | UrlRef,
  type: new (...args: never[]) => E,
  substring: string,
  deps = setup(),
): Promise<E> {
  try {
    await loadComponentDocument(
      typeof raw === "string" ? ref(raw) : raw,
      deps,
      DEFAULT_FETCH_OPTIONS,
    );
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    assert.ok(
      error.message.includes(substring),
      `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(substring)}`,
    );
    return error;
  }
  throw new Error("loadComponentDocument() did not throw");
}

Deno.test("loadComponentDocument() reads file components", async (t) => {
  const deps = setup();
  await t.step("a directory reads its task.yaml", async () => {
    const doc = await loadComponentDocument(ref("c/git"), deps, DEFAULT_FETCH_OPTIONS);
    assert.equal(doc.origin, "/repo/c/git/task.yaml");
    assert.equal(doc.line, 1);
    assert.deepEqual(doc.value, {
      apiVersion: "tekton.dev/v1beta1",
      kind: "Task",
      metadata: { name: "git-clone" },
    });
  });
  await t.step("a file, with the document's first line", async () => {
    const doc = await loadComponentDocument(ref("c/file.yaml"), deps, DEFAULT_FETCH_OPTIONS);
    assert.equal(doc.origin, "/repo/c/file.yaml");
    assert.equal(doc.line, 3);
  });
  await t.step("a null document is skipped", async () => {
    const doc = await loadComponentDocument(ref("c/null.yaml"), deps, DEFAULT_FETCH_OPTIONS);
    assert.equal((doc.value as { kind: string }).kind, "Task");
  });
  await t.step("never fetches", () => assert.equal(deps.fetcher.calls.length, 0));
});

Deno.test("loadComponentDocument() refuses bad file components", async (t) => {
  await t.step("a missing file", async () => {
    const error = await fails("c/nope.yaml", LoadError, 'Cannot load "/repo/c/nope.yaml": no such');
    assert.match(error.hint ?? "", /--base-dir/);
  });
  await t.step("a directory without task.yaml", async () => {
    await fails("c/nodir", LoadError, 'Cannot load "/repo/c/nodir": directory has no task.yaml');
  });
  await t.step("no document", async () => {
    await fails("c/empty.yaml", ValidationError, "/repo/c/empty.yaml: holds no YAML document");
  });
  await t.step("two documents", async () => {
    await fails("c/two.yaml", ValidationError, "holds 2 YAML documents, expected exactly one Task");
  });
  await t.step("NUL bytes", async () => {
    await fails("c/nul.yaml", ValidationError, "binary");
  });
  await t.step("invalid UTF-8", async () => {
    await fails("c/latin1.yaml", ValidationError, "not valid UTF-8");
  });
  await t.step("a YAML syntax error, with its line", async () => {
    const error = await fails("c/broken.yaml", ManifestSyntaxError, "/repo/c/broken.yaml:");
    assert.ok(error.line >= 2, `line ${error.line}`);
  });
  await t.step("a read error", async () => {
    const deps = setup();
    deps.fs.readError = new Deno.errors.PermissionDenied("denied");
    await fails("c/file.yaml", LoadError, "cannot read the file: denied", deps);
  });
});

Deno.test("loadComponentDocument() fetches URL components", async (t) => {
  await t.step("through the fetcher, with the options", async () => {
    const deps = setup();
    const options = { ...DEFAULT_FETCH_OPTIONS, timeoutMs: 5 };
    const doc = await loadComponentDocument(ref("https://example.com/c/git"), deps, options);
    assert.equal(doc.origin, URL_TASK);
    assert.deepEqual(deps.fetcher.calls, [{ url: URL_TASK, options }]);
  });
  await t.step("a matching digest pin", async () => {
    const digest = sha256Hex(TASK);
    const doc = await loadComponentDocument(
      ref(`${URL_TASK}#sha256:${digest}`),
      setup(),
      DEFAULT_FETCH_OPTIONS,
    );
    assert.equal(doc.origin, URL_TASK);
  });
  await t.step("sha256Hex() of a known value", () => {
    assert.equal(
      sha256Hex("abc"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

Deno.test("loadComponentDocument() refuses bad URL components", async (t) => {
  await t.step("a digest mismatch names both digests", async () => {
    const expected = "0".repeat(64);
    const error = await fails(`${URL_TASK}#sha256=${expected}`, LoadError, "digest mismatch");
    assert.ok(error.message.includes(`expected "${expected}"`));
    assert.ok(error.message.includes(`got "${sha256Hex(TASK)}"`));
    assert.match(error.hint ?? "", /#sha256=/);
  });
  await t.step("a fetch error passes through", async () => {
    await fails("https://example.com/missing.yaml", LoadError, "HTTP 404");
  });
  await t.step("a non-LoadError from the fetcher is wrapped, query values redacted", async () => {
    const deps = setup();
    deps.fetcher.fetchError = new TypeError("connection reset");
    const error = await fails(
      "https://example.com/t.yaml?token=hunter2",
      LoadError,
      'Cannot load "https://example.com/t.yaml?token=***": fetch failed: connection reset',
      deps,
    );
    assert.ok(error.cause instanceof TypeError);
  });
  await t.step("origin of a fetched document has query values redacted", async () => {
    const url = "https://example.com/t.yaml?token=hunter2";
    const deps = setup();
    deps.fetcher.bodies.set(url, "- a\n---\n- b\n");
    const error = await fails(url, ValidationError, "holds 2 YAML documents", deps);
    assert.ok(!error.message.includes("hunter2"), error.message);
  });
});
