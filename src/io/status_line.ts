/**
 * A transient status line on a terminal: what a long deploy is doing now
 * (its phase, then `applied 3/10: task.tekton.dev/…`), written to stderr,
 * rewritten in place and erased before anything else is printed and at the
 * end. `main.ts` makes one only when stderr is a terminal, so piped and
 * redirected output never holds it.
 *
 * @module
 */
import type { Logger } from "./logger.ts";

/** One line of status, shown in place. */
export interface StatusLine {
  /** Shows `text` in place of what the line showed. */
  show(text: string): void;
  /** Erases the line (a later `show` draws it again). */
  clear(): void;
}

/** ANSI: back to the line's start, erase it. */
const ERASE = "\r\x1b[2K";

/** A {@link StatusLine} on a terminal of `columns()` columns, written with `write`. */
export class TerminalStatusLine implements StatusLine {
  #shown = false;
  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
  ) {}
  show(text: string): void {
    const columns = this.columns(); // 0: a terminal of unknown size
    const width = Math.max((columns > 0 ? columns : 80) - 1, 10);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.write(`${ERASE}${line}`);
    this.#shown = true;
  }
  clear(): void {
    if (this.#shown) this.write(ERASE);
    this.#shown = false;
  }
}

/**
 * A status line that remembers what it shows, so that other output can go
 * in between: {@link around} erases it, runs the write, and draws it again.
 */
export class Status {
  #text: string | undefined;
  /** Writes in progress around the line: it is drawn again only once they are done. */
  #busy = 0;
  constructor(private readonly line: StatusLine) {}
  /** Shows `text` until the next {@link show} or {@link done}. */
  show(text: string): void {
    this.#text = text;
    if (this.#busy === 0) this.line.show(text);
  }
  /** Runs `write` (other output) with the line erased, then (once a promise settles) draws it again. */
  around<T>(write: () => T): T {
    if (this.#text === undefined) return write();
    this.line.clear();
    this.#busy++;
    let result: T;
    try {
      result = write();
    } catch (error) {
      this.#redraw();
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => this.#redraw()) as T;
    this.#redraw();
    return result;
  }
  #redraw(): void {
    this.#busy--;
    if (this.#text !== undefined && this.#busy === 0) this.line.show(this.#text);
  }
  /** Erases the line for good. */
  done(): void {
    if (this.#text !== undefined) this.line.clear();
    this.#text = undefined;
  }
  /**
   * `logger`, printing around the line; each debug message (a deploy's
   * phase) becomes the status shown, `-v` or not.
   */
  logger(logger: Logger): Logger {
    return {
      warn: (message) => this.around(() => logger.warn(message)),
      debug: (message) => {
        // Printed (with -v) on an erased line, which then shows the new phase.
        if (this.#text !== undefined && this.#busy === 0) this.line.clear();
        logger.debug(message);
        this.show(`${message}…`);
      },
    };
  }
}
