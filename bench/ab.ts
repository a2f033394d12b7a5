/**
 * Alternating A/B timing of whole commands (issue 18): each round runs every
 * entry once, in an order rotated by the round, so load from other work on
 * the machine falls on all of them alike; medians, min and CPU (user+sys,
 * from `/usr/bin/time`) per entry, and ratios against the first entry.
 *
 * ```sh
 * deno run -A bench/ab.ts --rounds 15 --spec spec.json
 * ```
 *
 * `spec.json` is a list of `{ "label": "...", "argv": ["cmd", "arg", ...],
 * "deploy"?: true }`. A `deploy` entry gets a fresh namespace each round
 * (`kubectl create namespace`, the `{ns}` in its argv) and runs twice: `cold`
 * then `no-op`, reported as two rows. Two untimed rounds come first.
 *
 * @module
 */

interface Entry {
  label: string;
  argv: string[];
  deploy?: boolean;
}

function arg(name: string, fallback?: string): string {
  const i = Deno.args.indexOf(name);
  const value = i === -1 ? fallback : Deno.args[i + 1];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

const entries: Entry[] = JSON.parse(await Deno.readTextFile(arg("--spec")));
const rounds = Number(arg("--rounds", "15"));
const timeFile = await Deno.makeTempFile({ prefix: "ab-time-" });
const rows = new Map<string, { wall: number[]; cpu: number[] }>();

async function timed(argv: string[]): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%U %S", "-o", timeFile, ...argv],
    stdout: "null",
    stderr: "piped",
  }).output();
  const wall = performance.now() - start;
  if (!output.success) {
    throw new Error(`${argv.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`);
  }
  const [user, sys] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!.split(" ")
    .map(Number);
  return { wall, cpu: (user! + sys!) * 1000 };
}

let nsCounter = 0;
async function namespace(): Promise<string> {
  const name = `ab-${Date.now().toString(36)}-${nsCounter++}`;
  const output = await new Deno.Command("kubectl", {
    args: ["create", "namespace", name],
    stdout: "null",
  }).output();
  if (!output.success) throw new Error(`kubectl create namespace ${name} failed`);
  return name;
}

function record(label: string, sample: { wall: number; cpu: number }, counted: boolean): void {
  if (!counted) return;
  let row = rows.get(label);
  if (row === undefined) rows.set(label, row = { wall: [], cpu: [] });
  row.wall.push(sample.wall);
  row.cpu.push(sample.cpu);
}

for (let round = 0; round < rounds + 2; round++) {
  const counted = round >= 2;
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[(k + round) % entries.length]!;
    if (!entry.deploy) {
      record(entry.label, await timed(entry.argv), counted);
      continue;
    }
    const ns = await namespace();
    const argv = entry.argv.map((a) => a.replaceAll("{ns}", ns));
    record(`${entry.label}: cold`, await timed(argv), counted);
    record(`${entry.label}: no-op`, await timed(argv), counted);
  }
  if (counted) console.error(`ab: round ${round - 1}/${rounds}`);
}
await Deno.remove(timeFile);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
// Rows in the spec's order (the first rounds are rotated).
const labels = entries.flatMap((e) =>
  e.deploy ? [`${e.label}: cold`, `${e.label}: no-op`] : [e.label]
);
const base = (label: string) => {
  // The ratio of a deploy row is against the first entry's row of the same phase.
  const phase = label.match(/: (cold|no-op)$/)?.[1];
  const first = labels.find((l) => phase === undefined || l.endsWith(`: ${phase}`));
  return median(rows.get(first ?? labels[0]!)!.wall);
};
console.log(`| entry | median | min | ratio | CPU (user+sys) |`);
console.log(`| --- | ---: | ---: | ---: | ---: |`);
for (const label of labels) {
  const row = rows.get(label)!;
  const m = median(row.wall);
  console.log(
    `| ${label} | ${m.toFixed(0)} ms | ${Math.min(...row.wall).toFixed(0)} ms | ${
      (m / base(label)).toFixed(2)
    }× | ${median(row.cpu).toFixed(0)} ms |`,
  );
}
