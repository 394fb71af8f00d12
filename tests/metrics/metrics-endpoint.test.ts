import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '../../api/metrics.js';
import { createAppContext, setAppContext } from '../../lib/app/app-context.js';
import { createLogger } from '../../lib/logging/logger.js';
import { freePort } from '../support/embedded-server.js';
import { request, startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';
import { parseExposition } from './parse-exposition.js';
import { postgresStore } from '../support/test-store.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const EXPOSITION = 'text/plain; version=0.0.4; charset=utf-8';

describe('GET /metrics', () => {
  let harness: FunctionHarness;

  beforeAll(async () => {
    harness = await startFunctionHarness();
    const context = harness.configure();
    const run = (trigger: 'cron' | 'manual') =>
      context.sync({
        trigger,
        triggeredBy: trigger === 'manual' ? 'admin' : null,
        dryRun: false,
        force: false,
      });
    expect((await run('cron')).kind).toBe('finished');
    harness.replay.setScenario('nearai', { failFirst: 1_000, errorStatus: 404 });
    const partial = await run('cron');
    expect(partial.kind === 'finished' && partial.report.status).toBe('partial');
    harness.replay.setScenario('nearai', {});
    expect((await run('manual')).kind).toBe('finished');
  });
  afterAll(async () => {
    await harness.close();
  });

  it('serves the stored totals openly when no token is set', async () => {
    harness.configure();
    const response = await GET(request('/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(EXPOSITION);
    const parsed = parseExposition(await response.text());
    expect(parsed.value('pricing_scheduled_sync_runs_total', { status: 'success' })).toBe(1);
    expect(parsed.value('pricing_scheduled_sync_runs_total', { status: 'partial' })).toBe(1);
    expect(parsed.value('pricing_sync_runs_total', { trigger: 'manual', status: 'success' })).toBe(1);
    expect(parsed.value('pricing_scheduled_sync_duration_seconds_count')).toBe(2);
    expect(parsed.value('pricing_models_synced_total', { provider: 'openrouter', status: 'added' })).toBe(30);
    expect(parsed.value('pricing_provider_errors_total', { provider: 'nearai', reason: 'http' })).toBe(1);
    const lastSync = parsed.value('pricing_last_sync_timestamp', { provider: 'openrouter' });
    expect(Date.now() / 1000 - lastSync!).toBeLessThan(60);
    expect(parsed.value('pricing_models', { provider: 'openrouter', state: 'active' })).toBeGreaterThan(0);
    expect(parsed.value('pricing_sync_in_progress')).toBe(0);
  });

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    harness.configure({ METRICS_TOKEN: TOKEN });
    const missing = await GET(request('/metrics'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.text()).not.toContain('pricing_');
    expect((await GET(request('/metrics', { key: 'wrong-token' }))).status).toBe(401);
    expect((await GET(request(`/metrics?token=${TOKEN}`))).status).toBe(401);
    const allowed = await GET(request('/metrics', { key: TOKEN }));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('content-type')).toBe(EXPOSITION);
    expect(await allowed.text()).toContain('pricing_scheduled_sync_runs_total{status="success"} 1');
  });

  it('answers 404 when PROMETHEUS_ENABLED=false', async () => {
    harness.configure({ PROMETHEUS_ENABLED: 'false' });
    const response = await GET(request('/metrics'));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('PROMETHEUS_ENABLED=false');
  });

  it('answers 503 with a clear body, and no exposition at all, when the database is unreachable', async () => {
    const closedPort = await freePort();
    const store = postgresStore(`postgres://postgres:postgres@127.0.0.1:${closedPort}/postgres`);
    setAppContext(createAppContext({ env: harness.env, store, logger: createLogger({ level: 'silent' }) }));
    try {
      const response = await GET(request('/metrics'));
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).not.toContain('text/plain');
      const body = await response.text();
      expect(JSON.parse(body)).toEqual({ success: false, error: 'database unreachable' });
      expect(body).not.toContain('pricing_');
    } finally {
      await store.close();
      harness.configure();
    }
  });
});
