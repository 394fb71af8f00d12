import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../lib/app/app-context.js';
import { createLogger } from '../../lib/logging/logger.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { postgresStore } from '../support/test-store.js';

describe('logs and traces of a run', () => {
  let harness: SyncHarness;
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(async () => {
    harness = await startSyncHarness();
    provider.register();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    await harness.close();
  });

  it('writes JSON log lines at the milestones and spans for the run, each fetch and each apply', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const store = postgresStore(harness.database.url);
    const context = createAppContext({
      env: harness.env,
      store,
      logger: createLogger({ level: 'info', destination }),
    });
    const outcome = await context.sync({
      trigger: 'manual',
      triggeredBy: 'ops',
      dryRun: false,
      force: false,
    });
    await store.close();
    expect(outcome.kind).toBe('finished');

    const entries = lines.map(
      (line) => JSON.parse(line) as { msg: string; run_id?: number; provider?: string },
    );
    const messages = entries.map((entry) => entry.msg);
    expect(messages).toContain('sync run started');
    expect(messages.filter((message) => message === 'provider fetched')).toHaveLength(2);
    expect(messages).toContain('sync run finished');
    expect(entries.every((entry) => entry.msg === 'sync run started' || entry.run_id !== undefined)).toBe(
      true,
    );

    const spans = exporter.getFinishedSpans();
    const run = spans.find((span) => span.name === 'pricing_sync.run');
    expect(run?.attributes).toMatchObject({ trigger: 'manual', status: 'success', dry_run: false });
    const fetches = spans.filter((span) => span.name === 'pricing_sync.fetch');
    const applies = spans.filter((span) => span.name === 'pricing_sync.apply');
    expect(fetches.map((span) => span.attributes.provider).sort()).toEqual(['nearai', 'openrouter']);
    expect(applies.map((span) => span.attributes.provider).sort()).toEqual(['nearai', 'openrouter']);
    for (const span of [...fetches, ...applies]) {
      expect(span.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
    }
    expect(applies[0]?.attributes.added).toBeGreaterThan(0);
    expect(fetches[0]?.attributes.fetched).toBeGreaterThan(0);
  });
});
