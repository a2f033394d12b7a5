/**
 * The module an {@link IsolatedFetcher} runs in its Worker: one fetch with
 * {@link HttpFetcher}, answered as a plain message. The Worker holds network
 * access to the URL's host and nothing else.
 *
 * @module
 */
import { LoadError } from "../errors.ts";
import type { FetchOptions } from "./fetcher.ts";
import { HttpFetcher } from "./http_fetcher.ts";

/** What the host sends: one fetch. */
export interface FetchRequest {
  url: string;
  options: FetchOptions;
}

/** What the Worker answers. */
export type FetchReply =
  | { ok: true; text: string }
  | { ok: false; source: string; message: string; hint?: string; load: boolean };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<FetchRequest>) => void) | null;
  postMessage(reply: FetchReply): void;
};

scope.onmessage = async (event) => {
  const { url, options } = event.data;
  try {
    scope.postMessage({ ok: true, text: await new HttpFetcher().fetchText(new URL(url), options) });
  } catch (error) {
    scope.postMessage(replyFor(error, url));
  }
};

function replyFor(error: unknown, url: string): FetchReply {
  if (error instanceof LoadError) {
    const reason = error.message.replace(`Cannot load "${error.source}": `, "");
    return {
      ok: false,
      source: error.source,
      message: reason,
      load: true,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { ok: false, source: url, message, load: false };
}
