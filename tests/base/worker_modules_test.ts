import assert from "node:assert/strict";
import { WORKER_MODULES, workerModule } from "../../src/base/worker_modules.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("from sources, each Worker module is its source file, which exists", async () => {
  for (const [name, module] of Object.entries(WORKER_MODULES)) {
    const url = workerModule(name as keyof typeof WORKER_MODULES);
    assert.equal(url.href, new URL(module.source, ROOT).href);
    assert.ok((await Deno.stat(url)).isFile, url.href);
  }
});

Deno.test("from a bundle, each Worker module is its bundle beside the code", () => {
  for (const here of ["file:///opt/draconctl/draconctl.js", "file:///opt/draconctl/x.js?v=1"]) {
    assert.equal(workerModule("read", here).href, "file:///opt/draconctl/draconctl-read-worker.js");
    assert.equal(
      workerModule("fetch", here).href,
      "file:///opt/draconctl/draconctl-fetch-worker.js",
    );
  }
  assert.notEqual(WORKER_MODULES.read.bundle, WORKER_MODULES.fetch.bundle);
});
