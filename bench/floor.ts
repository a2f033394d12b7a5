/**
 * The round-trip floor of a deploy (issue 18, items 3 and 4), measured in the
 * same run as the deploys it is compared with:
 *
 * - **start**: `draconctl pipelines deploy --verbose --help`, the process start
 *   with the command tree loaded (what a deploy pays before its action runs;
 *   `--verbose` keeps it off the help fast path, which loads no command tree);
 * - **TLS**: one TCP connect + TLS handshake to the API server through the
 *   same latency proxy (first request on a fresh HTTP/2 client minus a second
 *   on the same connection), in a **fresh process** as a deploy makes it
 *   ({@link measureConnectionFresh}: ~25 ms more than in the long-running
 *   bench process, whose TLS stack is already warm, at +50 ms);
 * - **round**: one GET `/version` on that established connection (one RTT plus
 *   the server's time for a trivial request).
 *
 * Floor of a cold deploy = start + TLS + 3 rounds (discovery and LISTs; all
 * Task applies; the Pipeline apply); of a no-op = start + TLS + 1 round.
 * The API server's own time for N applies is not in the floor.
 *
 * @module
 */

/** The parts of the floor, one measurement each (ms). */
export interface FloorParts {
  startMs: number;
  tlsMs: number;
  roundMs: number;
}

/** The TLS material of the test environment's admin user, read from its kubeconfig. */
export interface AdminTls {
  caCert: string;
  cert: string;
  key: string;
}

/** The base64 `*-data` fields of the testenv kubeconfig (admin user, first cluster). */
export function adminTls(kubeconfig: string): AdminTls {
  const field = (name: string) => {
    const match = new RegExp(`${name}: (\\S+)`).exec(kubeconfig);
    if (!match) throw new Error(`the kubeconfig has no ${name}`);
    return new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
  };
  return {
    caCert: field("certificate-authority-data"),
    cert: field("client-certificate-data"),
    key: field("client-key-data"),
  };
}

/** TLS setup and one round on a fresh connection to `server` (through the proxy). */
export async function measureConnection(
  server: string,
  tls: AdminTls,
): Promise<{ tlsMs: number; roundMs: number }> {
  const client = Deno.createHttpClient({
    caCerts: [tls.caCert],
    cert: tls.cert,
    key: tls.key,
    http1: false,
    http2: true,
  });
  const get = async () => {
    const start = performance.now();
    const response = await fetch(`${server}/version`, { client });
    await response.text();
    if (!response.ok) throw new Error(`GET /version: HTTP ${response.status}`);
    return performance.now() - start;
  };
  try {
    const first = await get();
    const rounds = [await get(), await get(), await get()].sort((a, b) => a - b);
    const roundMs = rounds[1]!;
    return { tlsMs: Math.max(0, first - roundMs), roundMs };
  } finally {
    client.close();
  }
}

/**
 * {@link measureConnection} in a new `deno` process (this module run as a
 * script): what a deploy's first connection costs, with the TLS stack and
 * the HTTP client set up from nothing. The process start is not in it (the
 * floor's `start` counts that).
 */
export async function measureConnectionFresh(
  server: string,
  kubeconfig: string,
): Promise<{ tlsMs: number; roundMs: number }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net",
      new URL(import.meta.url).pathname,
      server,
      kubeconfig,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`the connection probe failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return JSON.parse(text);
}

if (import.meta.main) {
  // The probe of measureConnectionFresh: `floor.ts <server> <kubeconfig>`.
  const [server, kubeconfig] = Deno.args;
  const tls = adminTls(await Deno.readTextFile(kubeconfig!));
  console.log(JSON.stringify(await measureConnection(server!, tls)));
}

/** The floors of a cold deploy and of a no-op from (median) parts. */
export function floors(parts: FloorParts): { coldMs: number; noopMs: number } {
  const base = parts.startMs + parts.tlsMs;
  return { coldMs: base + 3 * parts.roundMs, noopMs: base + parts.roundMs };
}

/** Least-squares line `ms = intercept + slope × n` through `points`. */
export function fitLine(points: readonly { n: number; ms: number }[]): {
  interceptMs: number;
  slopeMs: number;
} {
  const k = points.length;
  const mx = points.reduce((a, p) => a + p.n, 0) / k;
  const my = points.reduce((a, p) => a + p.ms, 0) / k;
  const sxx = points.reduce((a, p) => a + (p.n - mx) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p.n - mx) * (p.ms - my), 0);
  const slopeMs = sxx === 0 ? 0 : sxy / sxx;
  return { interceptMs: my - slopeMs * mx, slopeMs };
}

/** One series of the scale plot: measured medians against N, and their fitted line. */
export interface ScaleSeries {
  label: string;
  color: string;
  points: { n: number; ms: number }[];
  dashed?: boolean;
}

/** Wall time against the number of Tasks, points and least-squares lines, as SVG. */
export function scaleSvg(title: string, series: readonly ScaleSeries[]): string {
  const [w, h, pad] = [720, 420, 64];
  const all = series.flatMap((s) => s.points);
  const maxN = Math.max(...all.map((p) => p.n));
  const maxMs = Math.max(...all.map((p) => p.ms)) * 1.1;
  const x = (n: number) => pad + (n / maxN) * (w - 2 * pad);
  const y = (ms: number) => h - pad - (ms / maxMs) * (h - 2 * pad);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad}" y="20">${title}</text>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>`,
    `<text x="${w / 2}" y="${h - 20}" text-anchor="middle">Tasks (N)</text>`,
    ...[...new Set(all.map((p) => p.n))].map((n) =>
      `<text x="${x(n)}" y="${h - pad + 16}" text-anchor="middle">${n}</text>`
    ),
    ...[0, 0.25, 0.5, 0.75, 1].map((f) =>
      `<text x="${pad - 6}" y="${y(f * maxMs) + 4}" text-anchor="end">${seconds(f * maxMs)}</text>`
    ),
  ];
  series.forEach((s, i) => {
    const line = fitLine(s.points);
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(
      `<line x1="${x(0)}" y1="${y(line.interceptMs)}" x2="${x(maxN)}" y2="${
        y(line.interceptMs + line.slopeMs * maxN)
      }" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...s.points.map((p) =>
        `<circle cx="${x(p.n)}" cy="${y(p.ms)}" r="4" fill="${s.color}"><title>${p.n}: ${
          Math.round(p.ms)
        } ms</title></circle>`
      ),
      `<text x="${pad + 10}" y="${pad + 16 * i}" fill="${s.color}">${s.label}: ${
        Math.round(line.interceptMs)
      } ms + ${line.slopeMs.toFixed(2)} ms/Task</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
