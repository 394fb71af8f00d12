import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that delays each direction by half a round-trip time, so that the
 * benchmark can put a network's latency between a client and Postgres. Benchmark code only: the
 * product never runs it. Bytes are forwarded unchanged and in order; an end or a reset on one side
 * reaches the other side after the same delay.
 */
export interface LatencyProxy {
  /** 127.0.0.1 port to connect to instead of the target's. */
  port: number;
  rttMs: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(options: {
  targetPort: number;
  targetHost?: string;
  rttMs: number;
}): Promise<LatencyProxy> {
  const oneWayMs = options.rttMs / 2;
  const open = new Set<Socket>();
  let connections = 0;

  /**
   * Forwards from → to, each chunk after oneWayMs. Timers of equal duration fire in the order they
   * were set, so the order of the bytes is kept; with no delay the chunk is written at once.
   */
  function forward(from: Socket, to: Socket): void {
    const later = (action: () => void) => {
      if (oneWayMs <= 0) action();
      else setTimeout(action, oneWayMs);
    };
    from.on('data', (chunk: Buffer) => {
      later(() => {
        if (to.destroyed) return;
        // Backpressure: a slow reader pauses the writer rather than buffering without bound.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    });
    from.on('end', () => later(() => to.end()));
    // A reset is passed on as a reset; a clean close as an end, after the data still on its way.
    from.on('close', (hadError) => later(() => (hadError ? to.destroy() : to.end())));
    from.on('error', () => undefined);
  }

  const server = createServer({ noDelay: true }, (client) => {
    connections += 1;
    const upstream = connect({ port: options.targetPort, host: options.targetHost ?? '127.0.0.1' });
    upstream.setNoDelay(true);
    open.add(client);
    open.add(upstream);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    rttMs: options.rttMs,
    get connections() {
      return connections;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same connection URL with its host and port replaced by the proxy's. */
export function throughProxy(connectionString: string, proxy: Pick<LatencyProxy, 'port'>): string {
  const url = new URL(connectionString);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}
