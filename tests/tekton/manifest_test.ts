import assert from "node:assert/strict";
import { isScalar, LineCounter, parse, parseAllDocuments } from "yaml";
import { ManifestSyntaxError } from "../../src/errors.ts";
import {
  lineOfPath,
  MAX_ALIASES,
  MAX_EXPANDED_NODES,
  type ParsedDocument,
  parseStrictYamlDocuments,
  parseYamlDocuments,
} from "../../src/yaml/yaml.ts";

const DRACON = new URL("../../../shared/dracon/", import.meta.url);
const FILE = "/p/task.yaml";

/** The six consumer Tasks whose flow sequences close at their key's indentation, and a copy. */
const LAX_CORPUS_FILES = [
  "components/consumers/arangodb/task.yaml",
  "components/consumers/defectdojo/task.yaml",
  "components/consumers/dependency-track/task.yaml",
  "components/consumers/jira/task.yaml",
  "components/consumers/mongodb/task.yaml",
  "components/consumers/slack/task.yaml",
  "pkg/components/testdata/consumers/arangodb/task.yaml",
];

/**
 * What the `yaml` package makes of a stream with its default (YAML 1.2 core)
 * options and merge keys resolved (as kubectl resolves them, where no key is
 * set before a `<<` that sets it again): each non-empty document's value and
 * the 1-based line of its root, as the lenient path of `parseYamlDocuments()`
 * computes it.
 */
function viaYaml(text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) assert.deepEqual(doc.errors, [], `yaml refused ${JSON.stringify(text)}`);
  return docs.flatMap((doc) => {
    const node = doc.contents;
    // An empty document (a lone `---`): a zero-width null scalar with no tag or anchor.
    const empty = node === null ||
      (isScalar(node) && node.range[0] === node.range[1] && !node.tag && !node.anchor);
    if (empty) return [];
    return [{ value: doc.toJS(), line: lineCounter.linePos(node.range[0]).line }];
  });
}

/** Whether the `yaml` package reads `text` without an error. */
function yamlAccepts(text: string): boolean {
  const parsed = parseAllDocuments(text);
  return !Array.isArray(parsed) || parsed.every((doc) => doc.errors.length === 0);
}

function strictRefusal(text: string, file = FILE): ManifestSyntaxError {
  try {
    parseStrictYamlDocuments(text, file);
  } catch (error) {
    assert.ok(error instanceof ManifestSyntaxError, `expected ManifestSyntaxError, got ${error}`);
    return error;
  }
  throw new Error(`parseStrictYamlDocuments() accepted ${JSON.stringify(text.slice(0, 80))}`);
}

async function refusal(text: string, file = FILE): Promise<ManifestSyntaxError> {
  try {
    await parseYamlDocuments(text, file);
  } catch (error) {
    assert.ok(error instanceof ManifestSyntaxError, `expected ManifestSyntaxError, got ${error}`);
    return error;
  }
  throw new Error(`parseYamlDocuments() accepted ${JSON.stringify(text.slice(0, 80))}`);
}

/** Every *.yaml and *.yml file under `dir`, as paths relative to the corpus, sorted. */
async function yamlFiles(dir: URL): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) found.push(...await yamlFiles(url));
    else if (/\.ya?ml$/.test(entry.name)) found.push(url.pathname.slice(DRACON.pathname.length));
  }
  return found.sort();
}

/** A "billion laughs" stream: `levels` anchors, each a list of ten aliases to the one before. */
function billionLaughs(levels: number, leaf: string): string {
  let text = `l0: &l0 [${Array(10).fill(leaf).join(", ")}]\n`;
  for (let i = 1; i < levels; i++) {
    text += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]\n`;
  }
  return text;
}

Deno.test("parseStrictYamlDocuments() reads every corpus file as the yaml package does", async () => {
  // Files holding `{{` are Helm templates, but in this corpus every `{{` sits
  // in a quoted scalar, so they are YAML too and are compared; only a
  // template the yaml package itself cannot read would be skipped.
  let compared = 0;
  const refused: string[] = [];
  for (const relative of await yamlFiles(DRACON)) {
    const file = new URL(relative, DRACON).pathname;
    const text = await Deno.readTextFile(file);
    if (!yamlAccepts(text)) {
      assert.ok(text.includes("{{"), `${relative}: the yaml package refuses it`);
      continue;
    }
    let strict: ParsedDocument[];
    try {
      strict = parseStrictYamlDocuments(text, file);
    } catch (error) {
      assert.ok(error instanceof ManifestSyntaxError, `${relative}: ${error}`);
      refused.push(relative);
      continue;
    }
    assert.deepEqual(strict, viaYaml(text), relative);
    compared++;
  }
  assert.deepEqual(refused, LAX_CORPUS_FILES);
  assert.ok(compared >= 90, `only ${compared} files compared`); // 92 at the time of writing
});

Deno.test("parseYamlDocuments() reads the consumer Tasks the strict parser refuses", async (t) => {
  for (const relative of LAX_CORPUS_FILES) {
    await t.step(relative, async () => {
      const file = new URL(relative, DRACON).pathname;
      const text = await Deno.readTextFile(file);
      const error = strictRefusal(text, file);
      assert.equal(error.file, file);
      assert.match(error.message, /deficient indentation/);
      const docs = await parseYamlDocuments(text, file);
      assert.deepEqual(docs, viaYaml(text));
      assert.equal(docs.length, 1);
      const task = docs[0]!.value as { kind: string; spec: { steps: { args: unknown }[] } };
      assert.equal(task.kind, "Task");
      assert.ok(task.spec.steps.some((step) => Array.isArray(step.args)));
    });
  }
});

Deno.test("parseStrictYamlDocuments() returns each document with its 1-based line", async (t) => {
  await t.step("comments and blank lines before a document are skipped", async () => {
    const text = "# head\n\na: 1\n---\n# two\n\nb: [x]\n--- # three\n  - c\n";
    const expected = [
      { value: { a: 1 }, line: 3 },
      { value: { b: ["x"] }, line: 7 },
      { value: ["c"], line: 9 },
    ];
    assert.deepEqual(parseStrictYamlDocuments(text, FILE), expected);
    assert.deepEqual(await parseYamlDocuments(text, FILE), expected);
    assert.deepEqual(viaYaml(text), expected);
  });
  await t.step("a scalar on the --- line, a directive and an end marker", () => {
    assert.deepEqual(parseStrictYamlDocuments("--- 5\n", FILE), [{ value: 5, line: 1 }]);
    assert.deepEqual(parseStrictYamlDocuments("%YAML 1.2\n---\na: 1\n", FILE), [
      { value: { a: 1 }, line: 3 },
    ]);
    assert.deepEqual(parseStrictYamlDocuments("a: 1\n...\n---\nb: 2\n", FILE), [
      { value: { a: 1 }, line: 1 },
      { value: { b: 2 }, line: 4 },
    ]);
  });
  await t.step("empty documents are dropped, explicit nulls are kept", () => {
    assert.deepEqual(parseStrictYamlDocuments("---\n---\nc: 3\n---\n", FILE), [
      { value: { c: 3 }, line: 3 },
    ]);
    assert.deepEqual(parseStrictYamlDocuments("a: 1\n---\n# only a comment\n", FILE), [
      { value: { a: 1 }, line: 1 },
    ]);
    assert.deepEqual(parseStrictYamlDocuments("--- ~\n---\nnull\n", FILE), [
      { value: null, line: 1 },
      { value: null, line: 3 },
    ]);
    assert.deepEqual(parseStrictYamlDocuments("--- ''\n", FILE), [{ value: "", line: 1 }]);
  });
  await t.step("a stream with no document gives []", async () => {
    for (const text of ["", "\n", "---\n", "---\n---\n", "# nothing\n"]) {
      assert.deepEqual(parseStrictYamlDocuments(text, FILE), [], JSON.stringify(text));
      assert.deepEqual(await parseYamlDocuments(text, FILE), [], JSON.stringify(text));
    }
  });
});

// The yaml package gives an empty document a null *scalar* (empty range), not
// `contents === null`; before the fix a lax kustomization ending in `---` was
// "holding 2 YAML documents".
Deno.test({
  name: "parseYamlDocuments() drops empty documents on the lenient path too",
  fn: async () => {
    const lax = "a:\n  args: [\n    x,\n  ]\n";
    assert.deepEqual(await parseYamlDocuments(`---\n${lax}---\n`, FILE), [
      { value: { a: { args: ["x"] } }, line: 2 },
    ]);
  },
});

Deno.test("parseStrictYamlDocuments() and parseYamlDocuments() name file, line and column of an error", async (t) => {
  await t.step("a duplicate key", async () => {
    const error = strictRefusal("a: 1\nb:\n  c: 2\n  c: 3\n");
    assert.equal(error.file, FILE);
    assert.equal(error.line, 4);
    assert.equal(error.column, 3);
    assert.equal(error.message, `${FILE}:4:3: invalid YAML: duplicated mapping key`);
    assert.ok(error.cause instanceof Error);
    // An error while building the value is final: the lenient parser is not asked.
    const viaBoth = await refusal("a: 1\nb:\n  c: 2\n  c: 3\n");
    assert.equal(viaBoth.message, error.message);
    const lenient = await refusal("a:\n  args: [\n    x,\n  ]\nb:\n  c: 2\n  c: 3\n");
    assert.equal(lenient.file, FILE);
    assert.equal(lenient.line, 7);
    assert.equal(lenient.column, 3);
    assert.match(lenient.message, /^\/p\/task\.yaml:7:3: invalid YAML: Map keys must be unique$/);
  });
  await t.step("an unclosed flow sequence", async () => {
    const error = strictRefusal("a: [1, 2\nb: 3\n");
    assert.deepEqual([error.file, error.line, error.column], [FILE, 2, 1]);
    const lenient = await refusal("a: [1, 2\nb: 3\n");
    assert.deepEqual([lenient.file, lenient.line], [FILE, 2]);
    assert.match(lenient.message, /^\/p\/task\.yaml:2:\d+: invalid YAML: Flow sequence .*\]$/);
  });
  await t.step("a bad indentation", async () => {
    const error = strictRefusal("a:\n  b: 1\n c: 2\n");
    assert.deepEqual([error.file, error.line, error.column], [FILE, 3, 2]);
    assert.match(error.message, /bad indentation of a mapping entry/);
    const lenient = await refusal("a:\n  b: 1\n c: 2\n");
    assert.deepEqual([lenient.file, lenient.line], [FILE, 3]);
    assert.match(lenient.message, /^\/p\/task\.yaml:3:\d+: invalid YAML: \S/);
  });
  await t.step("a tab in indentation", async () => {
    const error = strictRefusal("a:\n\tb: 1\n");
    assert.deepEqual([error.file, error.line, error.column], [FILE, 2, 1]);
    assert.equal((await refusal("a:\n\tb: 1\n")).line, 2);
  });
  await t.step("an error in a later document counts lines from the stream's start", () => {
    const error = strictRefusal("a: 1\n---\nb: 1\nb: 2\n");
    assert.deepEqual([error.line, error.column], [4, 1]);
  });
  await t.step("the lenient message is one line without a repeated position", async () => {
    const lenient = await refusal("a: [1, 2\nb: 3\n");
    assert.doesNotMatch(lenient.message, /\n| at line \d+/);
  });
});

Deno.test("parseStrictYamlDocuments() and parseYamlDocuments() refuse alias bombs", async (t) => {
  await t.step("a billion laughs within the alias limit", async () => {
    const text = billionLaughs(10, "lol"); // 90 aliases, 10^10 leaves expanded
    assert.ok((text.match(/\*/g) ?? []).length <= MAX_ALIASES);
    const error = strictRefusal(text);
    assert.equal(error.file, FILE);
    assert.ok(error.line >= 1 && error.line <= 10, `line ${error.line}`);
    assert.match(
      error.message,
      new RegExp(`aliases expand the document to more than ${MAX_EXPANDED_NODES} nodes`),
    );
    // The yaml fallback refuses it too, through its own alias limit.
    const lenient = await refusal(text);
    assert.equal(lenient.file, FILE);
    assert.match(lenient.message, /alias/i);
  });
  await t.step("expansion is counted per document, as each is used alone", () => {
    const text = Array(30).fill(billionLaughs(4, "lol")).join("---\n"); // 30 × 11,111 nodes
    assert.equal(parseStrictYamlDocuments(text, FILE).length, 30);
    const error = strictRefusal(`${text}---\n${billionLaughs(6, "lol")}`); // one of 1,111,111
    assert.match(error.message, /aliases expand the document/);
    assert.ok(error.line > 30, `the line of the document: ${error.line}`);
  });
  await t.step(`more than ${MAX_ALIASES} aliases`, async () => {
    const aliases = (n: number) => `a: &a 1\nb: [${Array(n).fill("*a").join(", ")}]\n`;
    const [doc] = parseStrictYamlDocuments(aliases(MAX_ALIASES), FILE);
    assert.deepEqual(doc?.value, { a: 1, b: Array(MAX_ALIASES).fill(1) });
    const error = strictRefusal(aliases(MAX_ALIASES + 1));
    assert.deepEqual([error.file, error.line], [FILE, 2]);
    assert.match(error.message, new RegExp(`maxAliases \\(${MAX_ALIASES}\\)`));
    assert.match((await refusal(aliases(MAX_ALIASES + 1))).message, /alias/i);
  });
  await t.step("legitimate anchors and aliases parse to the expanded value", async () => {
    const text = "base: &b {x: 1, y: [1, 2]}\nname: &n task\ncopy: *b\nlist: [*b, *n]\n" +
      "<<: *b\n*n : key from alias\n";
    const base = { x: 1, y: [1, 2] };
    const expected = [{
      value: {
        base,
        name: "task",
        copy: base,
        list: [base, "task"],
        ...base, // merged by "<<: *b"
        task: "key from alias",
      },
      line: 1,
    }];
    assert.deepEqual(parseStrictYamlDocuments(text, FILE), expected);
    assert.deepEqual(await parseYamlDocuments(text, FILE), expected);
    assert.deepEqual(viaYaml(text), expected);
  });
  await t.step("an alias to an anchor of another document", () => {
    assert.match(strictRefusal("a: &x 1\n---\nb: *x\n").message, /unidentified alias "x"/);
  });
});

// The strict parser refuses this bomb (too many aliases), so it reaches the
// yaml fallback, whose alias limit counts an alias to an empty collection as
// 0 and never trips: a 580-byte file expanding to 10^10 nodes. The expansion
// check after either parser refuses it.
Deno.test({
  name: "parseYamlDocuments() refuses a billion laughs of empty lists",
  fn: async () => {
    assert.match((await refusal(billionLaughs(10, "[]"))).message, /alias/);
  },
});

// Both parsers return a circular value for a node that aliases itself; before
// the fix draconctl then failed with "Maximum call stack size exceeded".
Deno.test({
  name: "parseYamlDocuments() refuses an alias to its own enclosing node",
  fn: async () => {
    strictRefusal("a: &x [1, *x]\n");
    await refusal("a: &x [1, *x]\n");
  },
});

Deno.test("parseStrictYamlDocuments() reads scalars with the YAML 1.2 core schema", async (t) => {
  const cases: [string, unknown][] = [
    ["yes", "yes"],
    ["on", "on"],
    ["NO", "NO"],
    ["true", true],
    ["True", true],
    ["2024-01-01", "2024-01-01"],
    ["12:30", "12:30"],
    ["0755", 755],
    ["0o17", 15],
    ["0x1F", 31],
    ["0b11", "0b11"],
    ["1_000", "1_000"],
    ["+12", 12],
    ["1e3", 1000],
    ["1.5", 1.5],
    [".inf", Infinity],
    ["-.inf", -Infinity],
    [".nan", NaN],
    ["~", null],
    ["null", null],
    ["Null", null],
    ["", null],
    ["!!str 12", "12"],
    ["'0755'", "0755"],
  ];
  for (const [scalar, expected] of cases) {
    await t.step(JSON.stringify(scalar), () => {
      const text = `v: ${scalar}\n`;
      const [doc] = parseStrictYamlDocuments(text, FILE);
      assert.deepEqual(doc?.value, parse(text));
      assert.deepEqual(doc?.value, { v: expected });
    });
  }
});

Deno.test("lineOfPath() finds the line of a node or of its key", async (t) => {
  const text = [
    "# header", // 1
    "apiVersion: v1", // 2
    "components:", // 3
    "  - first", // 4
    "  - second", // 5
    "  - name: third", // 6
    "    path: x", // 7
    "nested:", // 8
    "  deep:", // 9
    "    key: value", // 10
    "flow: {a: [1, 2], b: c}", // 11
    "'quoted key': 1", // 12
    "split:", // 13
    "  value", // 14
    "---",
    "later: 1",
  ].join("\n") + "\n";
  const cases: [(string | number)[], boolean, number | undefined][] = [
    [[], false, 2],
    [["apiVersion"], false, 2],
    [["apiVersion"], true, 2],
    [["components"], false, 4],
    [["components"], true, 3],
    [["components", 0], false, 4],
    [["components", 1], false, 5],
    [["components", 1], true, 5],
    [["components", 2], false, 6],
    [["components", 2, "path"], false, 7],
    [["nested", "deep"], false, 10],
    [["nested", "deep"], true, 9],
    [["nested", "deep", "key"], false, 10],
    [["flow", "a", 1], false, 11],
    [["quoted key"], true, 12],
    [["split"], false, 14],
    [["split"], true, 13],
    [["missing"], false, undefined],
    [["components", 3], false, undefined],
    [["components", "0"], false, undefined],
    [["nested", 0], false, undefined],
    [["apiVersion", "x"], false, undefined],
    [["later"], false, undefined], // only the first document is searched
  ];
  for (const [path, onKey, expected] of cases) {
    await t.step(`${JSON.stringify(path)}${onKey ? " onKey" : ""}`, () => {
      assert.equal(lineOfPath(text, path, onKey), expected);
    });
  }
  await t.step("the documented example", () => {
    assert.equal(lineOfPath("a: 1\nb:\n  - x\n  - y\n", ["b", 1]), 4);
  });
  await t.step("a numeric mapping key matches a number step", () => {
    assert.equal(lineOfPath('"1": x\n2: y\n', [2]), 2);
    assert.equal(lineOfPath('"1": x\n2: y\n', [1]), 1);
  });
  await t.step("text that does not parse, or holds no document", () => {
    assert.equal(lineOfPath("a: [\n", ["a"]), undefined);
    assert.equal(lineOfPath("a:\n  b: 1\n c: 2\n", ["a"]), undefined);
    assert.equal(lineOfPath("", []), undefined);
    assert.equal(lineOfPath("# only a comment\n", ["a"]), undefined);
  });
});

/** A flow sequence closed at its key's indentation: only the lenient parser reads it. */
const LAX_PREFIX = "lax:\n  args: [\n    x,\n  ]\n";

Deno.test("parseYamlDocuments() refuses every tag outside the core schema, on both paths", async (t) => {
  const tagged: [string, string][] = [
    ["image: !!binary aGVsbG8=\n", "!!binary"],
    ["a: !!set {x, y}\n", "!!set"],
    ["a: !!omap [b: 1]\n", "!!omap"],
    ["a: !!pairs [b: 1]\n", "!!pairs"],
    ["a: !!timestamp 2001-12-14\n", "!!timestamp"],
    ["a: !custom x\n", "!custom"],
    ["a: !<tag:yaml.org,2002:binary> aGVsbG8=\n", "!!binary"],
    ["a: !<tag:example.com,2000:x> y\n", "!<tag:example.com,2000:x>"],
  ];
  for (const [body, tag] of tagged) {
    await t.step(`${tag} (strict)`, async () => {
      const text = `k: 1\n${body}`;
      const error = strictRefusal(text);
      assert.deepEqual([error.file, error.line], [FILE, 2]);
      assert.ok(
        error.message.includes(`tag "${tag}" is outside the YAML core schema`),
        error.message,
      );
      assert.ok(error.hint?.includes("remove the tag"));
      assert.equal(
        (await refusal(text)).message,
        error.message,
        "no fallback to the lenient parser",
      );
    });
    await t.step(`${tag} (lenient)`, async () => {
      const error = await refusal(LAX_PREFIX + body);
      assert.deepEqual([error.file, error.line], [FILE, 5]);
      assert.ok(
        error.message.includes(`tag "${tag}" is outside the YAML core schema`),
        error.message,
      );
    });
  }
  await t.step("a core tag on a value it does not fit", async () => {
    assert.match(strictRefusal("a: 1\nb: !!int x\n").message, /:2:4: .*tag:yaml\.org,2002:int/);
    assert.match((await refusal(`${LAX_PREFIX}b: !!int x\n`)).message, /:5:\d+: .*Unresolved tag/);
  });
  await t.step("a %TAG directive's prefix", async () => {
    const error = await refusal("%TAG !e! tag:example.com,2000:\n---\na: !e!x y\n");
    assert.equal(error.line, 3);
    assert.match(error.message, /tag "!<tag:example\.com,2000:x>"/);
  });
  await t.step("core tags and the non-specific tag are read", async () => {
    const text = "a: !!str 1\nb: !!int '2'\nc: !!float 3.5\nd: !!bool 'true'\ne: !!null ''\n" +
      "f: !!map {x: 1}\ng: !!seq [1]\nh: ! 7\ni: !<tag:yaml.org,2002:str> 8\n";
    const value = { a: "1", b: 2, c: 3.5, d: true, e: null, f: { x: 1 }, g: [1], h: "7", i: "8" };
    assert.deepEqual(await parseYamlDocuments(text, FILE), [{ value, line: 1 }]);
    const [lax] = await parseYamlDocuments(LAX_PREFIX + text, FILE);
    assert.deepEqual(lax?.value, { lax: { args: ["x"] }, ...value });
  });
});

Deno.test("parseYamlDocuments() resolves merge keys as kubectl (go-yaml v2) does", async (t) => {
  const resolved: [string, string, unknown][] = [
    ["an alias", "b: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n", {
      b: { x: 1, y: 2 },
      c: { x: 3, y: 2 },
    }],
    [
      "a list: earlier mappings win",
      "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n",
      { a: { x: 1 }, b: { x: 2, y: 2 }, c: { x: 1, y: 2 } },
    ],
    ["an inline mapping", "<<: {x: 1}\ny: 2\n", { x: 1, y: 2 }],
    ["a key before a merge that does not set it", "y: 2\n<<: {x: 1}\n", { y: 2, x: 1 }],
    ["two merges setting different keys", "<<: {x: 1}\n<<: {y: 2}\n", { x: 1, y: 2 }],
    ["a nested merge", "a: &a {<<: {q: 1}, r: 2}\nb:\n  <<: *a\n", {
      a: { q: 1, r: 2 },
      b: { q: 1, r: 2 },
    }],
    ["a quoted << is a plain key", "'<<': {x: 1}\n", { "<<": { x: 1 } }],
    ["!!merge", "!!merge <<: {x: 1}\n", { x: 1 }],
  ];
  for (const [name, text, value] of resolved) {
    await t.step(name, async () => {
      assert.deepEqual(parseStrictYamlDocuments(text, FILE), [{ value, line: 1 }]);
      assert.deepEqual(await parseYamlDocuments(text, FILE), [{ value, line: 1 }]);
    });
  }
  // go-yaml v2 stores entries in order (a later "<<" overwrites), the YAML spec keeps the key.
  const ambiguous: [string, string, number][] = [
    ["a key set before a merge that sets it", "x: 1\n<<: {x: 2}\n", 2],
    ["a merge after a merge of the same key", "<<: {x: 1}\n<<: {x: 2}\n", 2],
    ["through an alias of a nested merge", "a: &a {<<: {q: 1}}\nb:\n  q: 1\n  <<: *a\n", 4],
  ];
  for (const [name, text, line] of ambiguous) {
    await t.step(`refused: ${name}`, async () => {
      const error = strictRefusal(text);
      assert.equal(error.line, line);
      assert.match(error.message, /is set before the merge key "<<" that sets it again/);
      assert.equal((await refusal(text)).message, error.message);
    });
  }
  await t.step("refused: a merge of a scalar", () => {
    assert.match(strictRefusal("<<: 1\n").message, /"<<" needs a mapping/);
    assert.match(strictRefusal("<<: [1]\n").message, /"<<" needs a mapping/);
  });
  await t.step("refused: a merge key in text only the lenient parser reads", async () => {
    const error = await refusal(`${LAX_PREFIX}b:\n  <<: {x: 1}\n`);
    assert.equal(error.line, 6);
    assert.match(error.message, /merge key "<<"/);
  });
});
