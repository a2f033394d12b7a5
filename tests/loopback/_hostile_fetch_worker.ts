/**
 * A fetch Worker gone bad, for isolated_fetcher_test.ts: instead of fetching,
 * it tries everything a compromised fetch context might, and reports what
 * happened as its "body" (JSON: probe → "ok" or the error's name).
 *
 * @module
 */
import type { FetchRequest } from "../../src/fetch/_fetch_worker.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<FetchRequest & { probes?: Probes }>) => void) | null;
  postMessage(reply: unknown): void;
};

/** What to try; sent along with the request by the test through the URL's query. */
type Probes = { file: string; otherUrl: string };

async function attempt(action: () => unknown): Promise<string> {
  try {
    await action();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

scope.onmessage = async (event) => {
  const url = new URL(event.data.url);
  const file = url.searchParams.get("file") ?? "/etc/hostname";
  const other = url.searchParams.get("other") ?? "http://127.0.0.1:9/";
  const results = {
    ownHost: await attempt(async () => await (await fetch(url)).text()),
    otherHost: await attempt(async () => await (await fetch(other)).text()),
    readFile: await attempt(() => Deno.readTextFile(file)),
    statFile: await attempt(() => Deno.stat(file)),
    writeFile: await attempt(() => Deno.writeTextFile("/tmp/draconctl-hostile", "x")),
    env: await attempt(() => Deno.env.get("HOME")),
    run: await attempt(() => new Deno.Command("true").output()),
    sys: await attempt(() => Deno.hostname()),
  };
  scope.postMessage({ ok: true, text: JSON.stringify(results) });
};
