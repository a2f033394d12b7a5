import assert from "node:assert/strict";
import { ComponentRefError } from "../../src/errors.ts";
import { parseComponentRef } from "../../src/pipelines/component_ref.ts";
import { parseKustomization } from "../../src/pipelines/kustomization.ts";

const BASE = { baseDir: "/repo/pipelines/go" };
const HEX = "ab".repeat(32);

function refError(raw: string, substring: string, options = BASE): ComponentRefError {
  try {
    parseComponentRef(raw, options);
  } catch (error) {
    assert.ok(error instanceof ComponentRefError, `expected ComponentRefError, got ${error}`);
    assert.ok(
      error.message.includes(substring),
      `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(substring)}`,
    );
    assert.ok(!error.message.includes("\n"), "message is one line");
    return error;
  }
  throw new Error(`parseComponentRef(${JSON.stringify(raw)}) did not throw`);
}

function refuses(raw: string, substring: string): void {
  refError(raw, substring);
}

Deno.test("parseComponentRef() accepts helm://release/name", async (t) => {
  await t.step("the design's form", () => {
    assert.deepEqual(parseComponentRef("helm://dracon/git-clone", BASE), {
      kind: "helm",
      raw: "helm://dracon/git-clone",
      release: "dracon",
      task: "git-clone",
    });
  });
  await t.step("the purl form of the corpus", () => {
    assert.deepEqual(parseComponentRef("pkg:helm/dracon-oss-components/producer-cdxgen", BASE), {
      kind: "helm",
      raw: "pkg:helm/dracon-oss-components/producer-cdxgen",
      release: "dracon-oss-components",
      task: "producer-cdxgen",
    });
  });
  await t.step("a dotted release name of 53 characters", () => {
    const release = `a.${"b".repeat(51)}`;
    const ref = parseComponentRef(`helm://${release}/t`, BASE);
    assert.equal(ref.kind === "helm" && ref.release, release);
  });
  await t.step("a Task name of 63 characters", () => {
    const ref = parseComponentRef(`pkg:helm/r/${"t".repeat(63)}`, BASE);
    assert.equal(ref.kind === "helm" && ref.task.length, 63);
  });
});

Deno.test("parseComponentRef() refuses malformed Helm references", async (t) => {
  await t.step("three segments, with a hint (the corpus's reachability entry)", () => {
    const error = refError(
      "pkg:helm/dracon-oss-components/enrichers/reachability",
      'Invalid component reference "pkg:helm/dracon-oss-components/enrichers/reachability": ' +
        "expected exactly two non-empty segments <release>/<task>, got 3",
    );
    assert.match(error.hint ?? "", /name the Task itself/);
  });
  await t.step("one segment", () => refuses("helm://dracon", "got 1"));
  await t.step("an empty segment", () => refuses("helm://dracon/", "two non-empty segments"));
  await t.step("an empty release", () => refuses("pkg:helm//base", "two non-empty segments"));
  await t.step("helm: without //", () => refuses("helm:dracon/base", "expected"));
  await t.step("an upper-case release", () => refuses("helm://Dracon/base", 'release "Dracon"'));
  await t.step("a release of 54 characters", () => {
    refError(`helm://${"r".repeat(54)}/base`, "not a valid Helm release name");
  });
  await t.step("a Task name of 64 characters", () => {
    refError(`helm://r/${"t".repeat(64)}`, "not a valid DNS-1123 label");
  });
  await t.step("a dotted Task name", () => refuses("helm://r/a.b", 'Task name "a.b"'));
  await t.step("a purl version", () => refuses("pkg:helm/r/base@1.2.3", "a version is not"));
  await t.step("purl qualifiers", () => refuses("pkg:helm/r/base?repo=x", "qualifiers"));
  await t.step("a purl subpath", () => refuses("pkg:helm/r/base#sub", "a subpath"));
  await t.step("another purl type", () => refuses("pkg:npm/left-pad", 'purl type "helm"'));
  await t.step("pkg:helm alone", () => refuses("pkg:helm", "expected"));
  await t.step("pkg: with slashes, as purl allows", () => {
    assert.equal(parseComponentRef("pkg://helm/r/base", BASE).kind, "helm");
  });
  await t.step("a query on helm://", () => refuses("helm://r/base?x=1", "query or fragment"));
});

Deno.test("parseComponentRef() accepts https URLs", async (t) => {
  const url = (raw: string) => {
    const ref = parseComponentRef(raw, BASE);
    assert.equal(ref.kind, "url");
    return ref as Extract<typeof ref, { kind: "url" }>;
  };
  await t.step("a YAML file as is", () => {
    const ref = url("https://example.com/tasks/git.yaml");
    assert.equal(ref.url.href, "https://example.com/tasks/git.yaml");
    assert.equal(ref.sha256, undefined);
    assert.equal(url("https://example.com/t.YML").url.pathname, "/t.YML");
  });
  await t.step("a directory-like URL gets /task.yaml", () => {
    assert.equal(url("https://example.com/c/git/").url.href, "https://example.com/c/git/task.yaml");
    assert.equal(url("https://example.com/c/git").url.href, "https://example.com/c/git/task.yaml");
    assert.equal(url("https://example.com").url.href, "https://example.com/task.yaml");
  });
  await t.step("a digest pin, both forms, lower-cased", () => {
    const a = url(`https://example.com/t.yaml#sha256=${HEX.toUpperCase()}`);
    assert.equal(a.sha256, HEX);
    assert.equal(a.url.href, "https://example.com/t.yaml");
    assert.equal(url(`https://example.com/t.yaml#sha256:${HEX}`).sha256, HEX);
  });
  await t.step("http:// with allowInsecureHttp", () => {
    const ref = parseComponentRef("http://example.com/t.yaml", {
      ...BASE,
      allowInsecureHttp: true,
    });
    assert.equal(ref.kind === "url" && ref.url.protocol, "http:");
  });
});

Deno.test("parseComponentRef() refuses unsafe or malformed URLs", async (t) => {
  await t.step("http:// with a hint naming --allow-insecure-http", () => {
    const error = refError("http://example.com/t.yaml", "plain http:// is refused");
    assert.match(error.hint ?? "", /--allow-insecure-http/);
  });
  await t.step("userinfo, with the password redacted", () => {
    const error = refError("https://bob:s3cret@example.com/t.yaml", "credentials");
    assert.ok(!error.message.includes("s3cret"), error.message);
    assert.ok(!error.message.includes("bob"), error.message);
    assert.ok(!error.ref.includes("s3cret"));
    assert.match(error.message, /https:\/\/\*\*\*@example\.com/);
  });
  await t.step(
    "a fragment that is not a digest",
    () => refuses("https://e.com/t.yaml#x", "fragment"),
  );
  await t.step("a short digest", () => refuses(`https://e.com/t.yaml#sha256=abc`, "fragment"));
  await t.step("a sha512 digest", () => refuses(`https://e.com/t#sha512=${HEX}`, "fragment"));
  await t.step("an empty fragment", () => refuses("https://e.com/t.yaml#", "empty fragment"));
  await t.step("an invalid URL", () => refuses("https://exa mple.com/t.yaml", "not a valid URL"));
  await t.step("a URL without a host, which the URL standard would read as host task.yaml", () => {
    refuses("https:///task.yaml", "no host");
    refuses("https:////task.yaml", "no host");
    refuses("https://:8443/task.yaml", "no host");
    refuses("http:///task.yaml", "no host");
    refuses("https:/task.yaml", '"//<host>"');
    refuses("https:task.yaml", '"//<host>"');
    refuses("https:\\\\example.com\\task.yaml", '"//<host>"');
    refuses("https://example.com\\task.yaml", "backslash");
  });
  for (const scheme of ["ftp", "file", "oci"]) {
    await t.step(`scheme ${scheme}:`, () => {
      refError(`${scheme}://example.com/t.yaml`, `scheme "${scheme}:" is not supported`);
    });
  }
  await t.step("file: gets a hint", () => {
    assert.match(refError("file:///t.yaml", "scheme").hint ?? "", /without file:\/\//);
  });
});

Deno.test("parseComponentRef() resolves local paths", async (t) => {
  const path = (raw: string, baseDir = BASE.baseDir) => {
    const ref = parseComponentRef(raw, { baseDir });
    assert.equal(ref.kind, "file");
    return ref.kind === "file" ? ref.path : "";
  };
  await t.step("relative against baseDir", () => {
    assert.equal(
      path("components/producers/brakeman"),
      "/repo/pipelines/go/components/producers/brakeman",
    );
    assert.equal(path("./task.yaml"), "/repo/pipelines/go/task.yaml");
  });
  await t.step("with .. normalized and a trailing slash dropped", () => {
    assert.equal(path("../../components/base/task.yaml"), "/repo/components/base/task.yaml");
    assert.equal(path("../x/"), "/repo/pipelines/x");
  });
  await t.step("absolute as is", () => assert.equal(path("/abs//a/./b"), "/abs/a/b"));
  await t.step("./a:b is a file, not a scheme", () => {
    assert.equal(path("./a:b"), "/repo/pipelines/go/a:b");
  });
  await t.step("keeps the raw text", () => {
    assert.equal(parseComponentRef("x", BASE).raw, "x");
  });
});

Deno.test("parseComponentRef() refuses empty references", async (t) => {
  await t.step("empty", () => refuses("", "the reference is empty"));
  await t.step("whitespace", () => refuses("  \t", "the reference is empty"));
  await t.step("surrounding whitespace", () => refuses(" a ", "whitespace"));
  await t.step("a NUL byte", () => refuses("a\0b", "NUL"));
});

Deno.test("parseComponentRef() parses every corpus reference but the malformed one", async () => {
  const root = new URL("../../../shared/dracon/examples/pipelines/", import.meta.url);
  const failures: string[] = [];
  let count = 0;
  for await (const entry of Deno.readDir(root)) {
    const file = new URL(`${entry.name}/kustomization.yaml`, root);
    const k = await parseKustomization(await Deno.readTextFile(file), file.pathname);
    for (const raw of k.components) {
      count++;
      try {
        parseComponentRef(raw, { baseDir: "/work/shared/dracon" });
      } catch (error) {
        assert.ok(error instanceof ComponentRefError);
        failures.push(error.message);
      }
    }
  }
  assert.ok(count > 100, `only ${count} references`);
  assert.deepEqual(failures, [
    'Invalid component reference "pkg:helm/dracon-oss-components/enrichers/reachability": ' +
    "expected exactly two non-empty segments <release>/<task>, got 3",
  ]);
});
