/**
 * A TCP proxy that adds a fixed latency, to make the loopback API server of
 * `scripts/testenv` answer like a remote cluster. TLS passes through
 * untouched (bytes are forwarded, never parsed).
 *
 * **What "50ms" means**: the round-trip time added. Every chunk is held for
 * half of it in each direction (client → server and server → client), so a
 * request and its answer take 50 ms longer, and a TLS handshake (one or two
 * round trips) 50–100 ms longer, as on a real network with a 50 ms RTT.
 * Chunks keep their order; there is no bandwidth limit (a chunk is held
 * from the moment it was read, not after the previous one was sent).
 *
 * ```sh
 * deno run --allow-net scripts/latency_proxy.ts --target 127.0.0.1:6443 --latency 50ms [--port 0]
 * # prints "127.0.0.1:<port>" once listening; connection and byte counts on SIGINT/SIGTERM
 * ```
 *
 * @example
 * ```ts
 * const proxy = startLatencyProxy({ target: { hostname: "127.0.0.1", port: 6443 }, latencyMs: 50 });
 * // point the kubeconfig at https://127.0.0.1:${proxy.port}
 * console.log(proxy.stats.connections, proxy.stats.bytesUp, proxy.stats.bytesDown);
 * await proxy.close();
 * ```
 * @module
 */

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** Where connections are forwarded to. */
  target: { hostname: string; port: number };
  /** Round-trip time added: half of it per direction. */
  latencyMs: number;
  /** Listen address. @default "127.0.0.1" */
  hostname?: string;
  /** Listen port; 0 picks a free one. @default 0 */
  port?: number;
}

/** Counters since the proxy started (read them any time). */
export interface LatencyProxyStats {
  /** Connections accepted. */
  connections: number;
  /** Bytes client → server. */
  bytesUp: number;
  /** Bytes server → client. */
  bytesDown: number;
}

/** A running proxy. */
export interface LatencyProxy {
  readonly port: number;
  readonly stats: LatencyProxyStats;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** Starts the proxy; it listens when this returns. */
export function startLatencyProxy(options: LatencyProxyOptions): LatencyProxy {
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
  });
  const oneWayMs = options.latencyMs / 2;
  const stats: LatencyProxyStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const open = new Set<Deno.Conn>();
  const pipes = new Set<Promise<void>>();
  const serve = async () => {
    for await (const client of listener) {
      stats.connections++;
      const done = handle(client, options.target, oneWayMs, stats, open)
        .finally(() => pipes.delete(done));
      pipes.add(done);
    }
  };
  const serving = serve().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    stats,
    async close() {
      listener.close();
      for (const conn of open) closeQuietly(conn);
      await serving;
      await Promise.allSettled([...pipes]);
    },
  };
}

async function handle(
  client: Deno.TcpConn,
  target: { hostname: string; port: number },
  oneWayMs: number,
  stats: LatencyProxyStats,
  open: Set<Deno.Conn>,
): Promise<void> {
  open.add(client);
  let server: Deno.TcpConn | undefined;
  try {
    server = await Deno.connect(target);
    open.add(server);
    // No Nagle in the proxy: a real network adds latency, not the delayed-ACK
    // stall (~40 ms) that Nagle on a relay's writes would add to every flight
    // of several segments (a TLS handshake, answers to concurrent requests).
    client.setNoDelay(true);
    server.setNoDelay(true);
    await Promise.all([
      pipe(client, server, oneWayMs, (n) => stats.bytesUp += n),
      pipe(server, client, oneWayMs, (n) => stats.bytesDown += n),
    ]);
  } catch {
    // a refused target or a reset connection: just close both ends
  } finally {
    closeQuietly(client);
    open.delete(client);
    if (server !== undefined) {
      closeQuietly(server);
      open.delete(server);
    }
  }
}

/** Copies `from` → `to`, each chunk written `delayMs` after it was read. */
async function pipe(
  from: Deno.Conn,
  to: Deno.Conn,
  delayMs: number,
  count: (bytes: number) => void,
): Promise<void> {
  let writing = Promise.resolve();
  let failed = false;
  try {
    while (!failed) {
      const buffer = new Uint8Array(64 * 1024);
      const n = await from.read(buffer);
      if (n === null) break;
      count(n);
      const chunk = buffer.subarray(0, n);
      const due = performance.now() + delayMs;
      // Writes stay in order: each waits for the previous one, then for its own time.
      writing = writing.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        for (let off = 0; off < chunk.length;) off += await to.write(chunk.subarray(off));
      }).catch(() => {
        failed = true;
      });
    }
  } catch {
    // read side reset
  }
  await writing;
  // Half-close so the other side sees EOF after the last delayed chunk.
  try {
    await to.closeWrite();
  } catch {
    // already closed
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** `"50ms"`, `"0.05s"` or `"50"` (milliseconds) → 50. */
export function parseLatency(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (match === null) throw new TypeError(`Invalid latency "${text}": expected e.g. "50ms"`);
  const value = Number(match[1]);
  return match[2] === "s" ? value * 1000 : value;
}

function parseArgs(args: string[]): LatencyProxyOptions {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const target = value("--target");
  const match = target === undefined ? null : /^(.+):(\d+)$/.exec(target);
  if (match === null) {
    throw new TypeError('--target <host:port> is required, e.g. "127.0.0.1:6443"');
  }
  return {
    target: { hostname: match[1]!, port: Number(match[2]) },
    latencyMs: parseLatency(value("--latency") ?? "0ms"),
    hostname: value("--listen") ?? "127.0.0.1",
    port: Number(value("--port") ?? "0"),
  };
}

if (import.meta.main) {
  const options = parseArgs(Deno.args);
  const proxy = startLatencyProxy(options);
  console.log(`${options.hostname}:${proxy.port}`);
  const report = () => {
    const { connections, bytesUp, bytesDown } = proxy.stats;
    console.error(
      `latency_proxy: ${connections} connection(s), ${bytesUp} bytes up, ${bytesDown} bytes down`,
    );
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", report);
  Deno.addSignalListener("SIGTERM", report);
}
