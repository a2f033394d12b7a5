/**
 * Reproducible chart archives. Helm v3 stamps every tar entry with the time
 * of packaging (v4 uses the files' mtimes), so packaging the same chart twice
 * gives different bytes. {@link normalizeChartArchive} rewrites an archive
 * with every mtime fixed and re-compresses it, so the bytes depend only on
 * the chart's files.
 *
 * @module
 */

/** The mtime every entry of a normalized archive carries: 2000-01-01T00:00:00Z. */
export const ARCHIVE_MTIME_SECONDS = 946_684_800;

const BLOCK = 512;
const MTIME = { offset: 136, length: 12 };
const CHECKSUM = { offset: 148, length: 8 };
const SIZE = { offset: 124, length: 12 };

/**
 * A gzip'ed tar with every header's mtime set to {@link ARCHIVE_MTIME_SECONDS}
 * and its checksum recomputed, gzip'ed again (no name, no timestamp in the
 * gzip header). Entry order, names, modes and contents are kept.
 *
 * @throws {SyntaxError} when the input is not a gzip'ed tar
 */
export async function normalizeChartArchive(archive: Uint8Array): Promise<Uint8Array> {
  const tar = await transform(archive, new DecompressionStream("gzip"));
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseOctal(header.subarray(SIZE.offset, SIZE.offset + SIZE.length));
    writeOctal(header, MTIME, ARCHIVE_MTIME_SECONDS);
    header.fill(0x20, CHECKSUM.offset, CHECKSUM.offset + CHECKSUM.length);
    const sum = header.reduce((total, b) => total + b, 0);
    writeOctal(header, { offset: CHECKSUM.offset, length: 7 }, sum);
    header[CHECKSUM.offset + 7] = 0x20;
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return await transform(tar, new CompressionStream("gzip"));
}

async function transform(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  try {
    const body = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
    return new Uint8Array(await new Response(body).arrayBuffer());
  } catch (cause) {
    throw new SyntaxError("Chart archive is not a valid gzip stream", { cause });
  }
}

function parseOctal(field: Uint8Array): number {
  const text = new TextDecoder().decode(field).replace(/[\0 ]+/g, "");
  const value = text === "" ? 0 : parseInt(text, 8);
  if (!Number.isFinite(value)) throw new SyntaxError(`Chart archive has a bad tar header`);
  return value;
}

/** Zero-padded octal digits followed by a NUL, filling `length` bytes. */
function writeOctal(header: Uint8Array, field: { offset: number; length: number }, n: number) {
  const digits = n.toString(8).padStart(field.length - 1, "0");
  header.set(new TextEncoder().encode(`${digits}\0`), field.offset);
}
