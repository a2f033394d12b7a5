/**
 * Progress of a long deploy on a terminal: a status line on stderr
 * (src/io/status_line.ts) showing each phase and `applied k/n`, erased
 * around every other output and at the end; standard output is the same as
 * without it, and a run without a terminal (no `status` port) shows none.
 */
import assert from "node:assert/strict";
import { Status, type StatusLine, TerminalStatusLine } from "../../src/io/status_line.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";
import { run, setUp } from "./_inventory_env.ts";

/** A status line that records what it is asked to do. */
class RecordingStatusLine implements StatusLine {
  readonly calls: string[] = [];
  show(text: string): void {
    this.calls.push(`show ${text}`);
  }
  clear(): void {
    this.calls.push("clear");
  }
}

Deno.test("Status erases the line around other output and draws it again once that is written", async () => {
  const line = new RecordingStatusLine();
  const status = new Status(line);
  assert.equal(status.around(() => 1), 1, "nothing shown: nothing to erase");
  status.show("reading");
  status.around(() => line.calls.push("write"));
  let finish = () => {};
  const pending = status.around(() => new Promise<void>((resolve) => finish = resolve));
  status.show("applied 1/2"); // while the write is pending: not drawn over it
  finish();
  await pending;
  status.done();
  status.done();
  assert.deepEqual(line.calls, [
    "show reading",
    "clear",
    "write",
    "show reading",
    "clear",
    "show applied 1/2",
    "clear",
  ]);
});

Deno.test("TerminalStatusLine rewrites one line in place, cut to the terminal's width", () => {
  let written = "";
  const line = new TerminalStatusLine((text) => written += text, () => 20);
  line.clear();
  assert.equal(written, "", "nothing shown: nothing erased");
  line.show("applied 1/10: task.tekton.dev/producer-golang-gosec");
  line.clear();
  assert.equal(written, "\r\x1b[2Kapplied 1/10: task…\r\x1b[2K");
});

Deno.test("a deploy on a terminal shows its phases and each applied object, and erases the line", async () => {
  const env = await setUp();
  const line = new RecordingStatusLine();
  const shown = await runCli(["-n", "dracon", "pipelines", "deploy", `${env.dir}/a`], {
    cluster: env.cluster,
    status: line,
  });
  assert.equal(shown.code, 0, shown.stderr);
  const other = await setUp();
  const plain = await run(other, ["pipelines", "deploy", `${other.dir}/a`]);
  assert.equal(plain.code, 0, plain.stderr);
  const lines = (text: string, dir: string) =>
    text.replaceAll(dir, "<dir>").replace(/ in [\d.]+ s/, "");
  assert.equal(
    lines(shown.stdout, env.dir),
    lines(plain.stdout, other.dir),
    "the same standard output",
  );
  assert.match(shown.stdout, /5 objects: 5 created/);
  const shows = line.calls.filter((c) => c.startsWith("show ")).map((c) => c.slice(5));
  assert.ok(shows.some((s) => /^apply: reading .*\/a…$/.test(s)), shows.join("\n"));
  assert.ok(shows.some((s) => /^applying 4 Task\(s\), then pipeline/.test(s)), shows.join("\n"));
  // (A line drawn again after other output repeats.)
  const applied = [...new Set(shows.filter((s) => s.startsWith("applied ")))];
  assert.equal(applied.length, 5, shows.join("\n"));
  assert.equal(applied.at(-1), "applied 5/5: pipeline.tekton.dev/dracon-a");
  assert.equal(line.calls.at(-1), "clear", "the line is erased at the end");
});

Deno.test("a client dry run and a run without a terminal show no status line", async () => {
  const line = new RecordingStatusLine();
  const golang = [fixture("pipelines/golang-project"), "--base-dir", DRACON_ROOT, "--dry-run"];
  const r = await runCli(["pipelines", "deploy", ...golang], { status: line });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(line.calls, []);
});
