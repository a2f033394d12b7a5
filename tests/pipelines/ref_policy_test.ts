import assert from "node:assert/strict";
import { ComponentRefError } from "../../src/errors.ts";
import { parseComponentRef } from "../../src/pipelines/component_ref.ts";
import {
  checkRealPath,
  checkRefPolicy,
  isInside,
  parseLoadRestrictor,
  type RefPolicy,
} from "../../src/pipelines/ref_policy.ts";
import type { FileSystem } from "../../src/io/filesystem.ts";

const ROOT: RefPolicy = { roots: ["/repo/p"] };
const ref = (raw: string) => parseComponentRef(raw, { baseDir: "/repo/p" });

Deno.test("isInside() compares whole path segments", () => {
  assert.equal(isInside("/repo/p", "/repo/p"), true);
  assert.equal(isInside("/repo/p/a/b", "/repo/p"), true);
  assert.equal(isInside("/repo/p/..a", "/repo/p"), true);
  assert.equal(isInside("/repo/pp", "/repo/p"), false);
  assert.equal(isInside("/repo", "/repo/p"), false);
});

Deno.test("parseLoadRestrictor() accepts kustomize's names and short ones", () => {
  assert.equal(parseLoadRestrictor("LoadRestrictionsRootOnly"), "rootOnly");
  assert.equal(parseLoadRestrictor("rootOnly"), "rootOnly");
  assert.equal(parseLoadRestrictor("LoadRestrictionsNone"), "none");
  assert.equal(parseLoadRestrictor("none"), "none");
  assert.equal(parseLoadRestrictor("some"), undefined);
});

Deno.test("checkRefPolicy() keeps local paths inside the root", async (t) => {
  await t.step("inside passes", () => checkRefPolicy(ref("a/../b/task.yaml"), ROOT));
  for (const raw of ["../other/task.yaml", "/etc/passwd", "a/../../x"]) {
    await t.step(`refuses ${raw}`, () => {
      assert.throws(
        () => checkRefPolicy(ref(raw), ROOT),
        (e) => e instanceof ComponentRefError && e.message.includes("outside the base directory"),
      );
    });
  }
  await t.step("restrictor none (no roots) allows anything", () => {
    checkRefPolicy(ref("/etc/passwd"), { roots: [] });
  });
});

Deno.test("checkRefPolicy() applies --require-digest and --allowed-hosts to URLs", async (t) => {
  const pinned = `https://a.example/t.yaml#sha256=${"ab".repeat(32)}`;
  await t.step(
    "pinned passes",
    () => checkRefPolicy(ref(pinned), { ...ROOT, requireDigest: true }),
  );
  await t.step("unpinned refused", () => {
    assert.throws(
      () => checkRefPolicy(ref("https://a.example/t.yaml"), { ...ROOT, requireDigest: true }),
      (e) => e instanceof ComponentRefError && e.message.includes("no digest pin"),
    );
  });
  await t.step("allowed host by name or host:port", () => {
    checkRefPolicy(ref("https://a.example/t.yaml"), { ...ROOT, allowedHosts: ["a.example"] });
    checkRefPolicy(ref("https://a.example:8443/t.yaml"), {
      ...ROOT,
      allowedHosts: ["a.example:8443"],
    });
  });
  await t.step("other host refused", () => {
    assert.throws(
      () =>
        checkRefPolicy(ref("https://b.example/t.yaml"), { ...ROOT, allowedHosts: ["a.example"] }),
      (e) => e instanceof ComponentRefError && e.message.includes('host "b.example"'),
    );
    assert.throws(
      () =>
        checkRefPolicy(ref("https://a.example:9/t.yaml"), {
          ...ROOT,
          allowedHosts: ["a.example:8"],
        }),
      ComponentRefError,
    );
  });
});

Deno.test("checkRealPath() refuses a symlink out of the root, also for a directory's task.yaml", async (t) => {
  const links: Record<string, string> = {
    "/repo/p/link": "/etc",
    "/repo/p/dir/task.yaml": "/secret/task.yaml",
    "/repo/p/ok/task.yaml": "/repo/p/real/task.yaml",
  };
  const fs: Pick<FileSystem, "realPath"> = {
    realPath: (path) => {
      if (path in links) return Promise.resolve(links[path]!);
      if (path.startsWith("/repo/p")) return Promise.resolve(path);
      return Promise.reject(new Deno.errors.NotFound(path));
    },
  };
  const file = (raw: string) => ref(raw) as Extract<ReturnType<typeof ref>, { kind: "file" }>;
  await t.step("link to /etc", async () => {
    await assert.rejects(checkRealPath(file("link"), ROOT, fs), /symlink to "\/etc"/);
  });
  await t.step("directory whose task.yaml links out", async () => {
    await assert.rejects(checkRealPath(file("dir"), ROOT, fs), /secret\/task\.yaml/);
  });
  await t.step("links inside the root pass", async () => await checkRealPath(file("ok"), ROOT, fs));
  await t.step("restrictor none passes", async () => {
    await checkRealPath(file("link"), { roots: [] }, fs);
  });
});
