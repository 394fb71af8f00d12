import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../lib/tracing/start-tracing.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const run = promisify(execFile);

describe('tracing export (TEMPO_ENABLED with OTEL_EXPORTER_OTLP_*)', () => {
  let harness: SyncHarness;
  let receiver: Server;
  const received: { path: string; bytes: number }[] = [];
  beforeAll(async () => {
    harness = await startSyncHarness();
    receiver = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        received.push({ path: request.url ?? '', bytes });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    receiver.close();
    await harness.close();
  });

  it('does not start without an OTLP endpoint, or with TEMPO_ENABLED=false', async () => {
    expect(await startTracing({})).toBe(false);
    expect(
      await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', TEMPO_ENABLED: 'false' }),
    ).toBe(false);
  });

  it('sends the run spans to the OTLP endpoint when one is set', async () => {
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    await run(process.execPath, ['--import', 'tsx', 'scripts/sync.ts'], {
      env: { ...process.env, ...harness.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, TEMPO_ENABLED: 'true' },
    });
    expect(received.some((request) => request.path === '/v1/traces' && request.bytes > 0)).toBe(true);
  });
});
