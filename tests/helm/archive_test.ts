import assert from "node:assert/strict";
import { ARCHIVE_MTIME_SECONDS, normalizeChartArchive } from "../../src/helm/archive.ts";

/** A one-file ustar archive, gzip'ed, with the given mtime. */
async function tgz(mtime: number, content = "name: x\n"): Promise<Uint8Array> {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  put(0, "x/Chart.yaml");
  put(100, "0000644\0");
  put(124, content.length.toString(8).padStart(11, "0") + "\0");
  put(136, mtime.toString(8).padStart(11, "0") + "\0");
  put(156, "0");
  put(257, "ustar\x0000");
  header.fill(0x20, 148, 156);
  put(148, header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0") + "\0 ");
  const body = new Uint8Array(512);
  body.set(new TextEncoder().encode(content));
  const tar = new Uint8Array([...header, ...body, ...new Uint8Array(1024)]);
  const stream = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("normalizeChartArchive() makes archives that differ only in mtimes byte-identical", async () => {
  const a = await normalizeChartArchive(await tgz(1_700_000_000));
  const b = await normalizeChartArchive(await tgz(1_800_000_000));
  assert.deepEqual(a, b);
  const tar = await gunzip(a);
  const mtime = parseInt(new TextDecoder().decode(tar.subarray(136, 147)), 8);
  assert.equal(mtime, ARCHIVE_MTIME_SECONDS);
  const stored = parseInt(new TextDecoder().decode(tar.subarray(148, 154)), 8);
  const header = tar.slice(0, 512);
  header.fill(0x20, 148, 156);
  assert.equal(stored, header.reduce((x, y) => x + y, 0), "checksum recomputed");
  assert.equal(new TextDecoder().decode(tar.subarray(512, 520)), "name: x\n", "content kept");
});

Deno.test("normalizeChartArchive() keeps different contents different", async () => {
  const a = await normalizeChartArchive(await tgz(1, "name: a\n"));
  const b = await normalizeChartArchive(await tgz(1, "name: b\n"));
  assert.notDeepEqual(a, b);
});

Deno.test("normalizeChartArchive() refuses what is not gzip", async () => {
  await assert.rejects(normalizeChartArchive(new TextEncoder().encode("nope")), SyntaxError);
});
