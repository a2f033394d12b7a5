/**
 * A read Worker gone bad, for isolated_reader_test.ts: asked for any
 * operation, it tries everything a compromised reader might — read and stat a
 * file outside its scope, follow a symlink out, write, reach the network, read
 * the environment, run a process, ask the system — and answers with what
 * happened (JSON: probe → "ok" or the error's name) as the file's text.
 *
 * @module
 */
import type { ReadReply, ReadRequest } from "../../src/io/_read_worker.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ReadRequest>) => void) | null;
  postMessage(reply: ReadReply): void;
};

async function attempt(action: () => unknown): Promise<string> {
  try {
    await action();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

/** The request's path names the probes: `<inside file>|<outside file>|<symlink out>|<url>`. */
scope.onmessage = async ({ data: request }) => {
  const [inside, outside, link, url] = request.path.split("|") as [string, string, string, string];
  const results = {
    readInside: await attempt(() => Deno.readTextFile(inside)),
    readOutside: await attempt(() => Deno.readTextFile(outside)),
    statOutside: await attempt(() => Deno.stat(outside)),
    readDirOutside: await attempt(() => Array.fromAsync(Deno.readDir("/"))),
    // Deno checks the path as written: following a link out succeeds in Deno;
    // the real worker resolves first. The test asserts this to keep that rule honest.
    followLinkOut: await attempt(() => Deno.readTextFile(link)),
    realPathThenRead: await attempt(async () => Deno.readTextFile(await Deno.realPath(link))),
    write: await attempt(() => Deno.writeTextFile(`${inside}.hostile`, "x")),
    net: await attempt(async () => await (await fetch(url)).text()),
    env: await attempt(() => Deno.env.get("HOME")),
    run: await attempt(() => new Deno.Command("true").output()),
    sys: await attempt(() => Deno.hostname()),
  };
  scope.postMessage({ id: request.id, ok: true, value: JSON.stringify(results) });
};
