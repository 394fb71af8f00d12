import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../../bench/latency-proxy.js';

/** An echo server that records when each of its connections closes. */
async function echoServer(): Promise<{ server: Server; port: number; closed: Promise<void>[] }> {
  const closed: Promise<void>[] = [];
  const server = createServer((socket) => {
    closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, closed };
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
  });
}

function readBytes(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= length) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
  });
}

describe('the benchmark latency proxy', () => {
  let proxy: LatencyProxy | null = null;
  let echo: Awaited<ReturnType<typeof echoServer>> | null = null;

  afterEach(async () => {
    await proxy?.close();
    const server = echo?.server;
    if (server) await new Promise((resolve) => server.close(resolve));
    proxy = null;
    echo = null;
  });

  it.each([0, 4])('forwards every byte in order both ways at RTT %i ms', async (rttMs) => {
    echo = await echoServer();
    proxy = await startLatencyProxy({ targetPort: echo.port, rttMs });
    const client = await connectTo(proxy.port);
    // 1 MiB in many writes: more than one TCP chunk, so reordering or loss would show.
    const payload = Buffer.alloc(1 << 20);
    for (let index = 0; index < payload.length; index += 1) payload[index] = (index * 31 + 7) % 251;
    const echoed = readBytes(client, payload.length);
    for (let offset = 0; offset < payload.length; offset += 10_000) {
      client.write(payload.subarray(offset, offset + 10_000));
    }
    expect((await echoed).equals(payload)).toBe(true);
    client.end();
    await echo.closed[0];
    expect(proxy.connections).toBe(1);
  });

  it('closes the server side when the client leaves, and the client side when the server leaves', async () => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      accepted.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    proxy = await startLatencyProxy({ targetPort: port, rttMs: 2 });
    try {
      const first = await connectTo(proxy.port);
      await expect.poll(() => accepted.length).toBe(1);
      const serverClosed = new Promise((resolve) => accepted[0]!.on('close', resolve));
      first.destroy();
      await serverClosed;

      const second = await connectTo(proxy.port);
      await expect.poll(() => accepted.length).toBe(2);
      const clientClosed = new Promise((resolve) => second.on('close', resolve));
      accepted[1]!.destroy();
      await clientClosed;
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
