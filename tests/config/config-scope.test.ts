import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as cron } from '../../api/cron/pricing-sync.js';
import { GET as held } from '../../api/admin/pricing/held.js';
import { PUT as pin } from '../../api/admin/pricing/pins.js';
import { GET as status } from '../../api/admin/pricing/scheduler/status.js';
import { POST as trigger } from '../../api/admin/pricing/scheduler/trigger.js';
import { GET as metrics } from '../../api/metrics.js';
import { GET as prices } from '../../api/prices.js';
import { configErrorLines } from '../../dev/local/serve-locally.js';
import { readConfig } from '../../lib/config.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

type Body = Record<string, unknown>;
const body = async (response: Response) => (await response.json()) as Body;

const PRICES_TOKEN = 'prices-token-0123456789abcdef';

// Issue 23 item 7: a config error disables only what depends on it.
describe('a misconfiguration stops only what it configures', () => {
  let harness: FunctionHarness;
  beforeAll(async () => {
    harness = await startFunctionHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.replay.setScenario('all', {});
  });

  // A model the first test's sync stored.
  const pinBody = async () => {
    const { rows } = await harness.database.admin.query<{ model_id: string }>(
      `select model_id from public.model_pricing where provider = 'openrouter' order by model_id limit 1`,
    );
    return JSON.stringify({
      provider: 'openrouter',
      model_id: rows[0]!.model_id,
      prices: { input: '1', output: '2', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'contract',
    });
  };

  it('a weak METRICS_TOKEN keeps /metrics closed and nothing else', async () => {
    harness.configure({ METRICS_TOKEN: 'short' });
    const tick = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
    expect(tick.status).toBe(200);
    expect(await body(tick)).toMatchObject({ success: true, status: 'success' });
    const manual = await trigger(
      request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(manual.status).toBe(200);
    expect((await held(request('/admin/pricing/held', { key: ADMIN_KEY }))).status).toBe(200);
    const answer = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
    expect(answer.scheduler).toMatchObject({ running: true });
    expect(answer.config_errors).toEqual([expect.stringContaining('METRICS_TOKEN')]);
    expect((await metrics(request('/metrics'))).status).toBe(401);
    expect((await metrics(request('/metrics', { key: 'short' }))).status).toBe(401);
  });

  it('a weak PRICES_TOKEN closes the price reads to it, and stops no sync', async () => {
    harness.configure({ PRICES_TOKEN: 'tiny' });
    expect((await prices(request('/prices', { key: 'tiny' }))).status).toBe(401);
    expect((await prices(request('/prices', { key: ADMIN_KEY }))).status).toBe(200);
    const manual = await trigger(
      request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(manual.status).toBe(200);
    // Set correctly, the token reads.
    harness.configure({ PRICES_TOKEN });
    expect((await prices(request('/prices', { key: PRICES_TOKEN }))).status).toBe(200);
  });

  it('PROMETHEUS_ENABLED that is not a boolean turns /metrics off, not on, and stops nothing else', async () => {
    harness.configure({ PROMETHEUS_ENABLED: 'maybe' });
    expect((await metrics(request('/metrics'))).status).toBe(404);
    const manual = await trigger(
      request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(manual.status).toBe(200);
  });

  it('a bad PRICING_* setting stops the sync, not the operator endpoints or /metrics', async () => {
    harness.configure({ PRICING_SYNC_MAX_SHRINK: 'half' });
    const tick = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
    expect(tick.status).toBe(500);
    expect((await body(tick)).config_errors).toEqual([expect.stringContaining('PRICING_SYNC_MAX_SHRINK')]);
    const manual = await trigger(
      request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(manual.status).toBe(500);
    expect((await held(request('/admin/pricing/held', { key: ADMIN_KEY }))).status).toBe(200);
    const answer = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
    expect(answer.scheduler).toMatchObject({ running: false });
    expect(answer.next_run_at).toBeNull();
    expect((await metrics(request('/metrics'))).status).toBe(200);
    const pinned = await pin(
      request('/admin/pricing/pins', { method: 'PUT', key: ADMIN_KEY, body: await pinBody() }),
    );
    expect(pinned.status).toBe(200);
  });

  it('a bad PRICING_MAX_PRICE_PER_1M stops the sync and setting pins (it bounds both), not reads', async () => {
    harness.configure({ PRICING_MAX_PRICE_PER_1M: 'lots' });
    const pinned = await pin(
      request('/admin/pricing/pins', { method: 'PUT', key: ADMIN_KEY, body: await pinBody() }),
    );
    expect(pinned.status).toBe(500);
    expect((await body(pinned)).config_errors).toEqual([expect.stringContaining('PRICING_MAX_PRICE_PER_1M')]);
    expect((await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }))).status).toBe(500);
    expect((await held(request('/admin/pricing/held', { key: ADMIN_KEY }))).status).toBe(200);
  });

  it('the start-up banner lists every config error with what it stops', () => {
    const config = readConfig({ METRICS_TOKEN: 'short', PRICING_SYNC_INTERVAL_HOURS: 'six' });
    const lines = configErrorLines(config.problems);
    expect(lines[0]).toBe('configuration errors (2):');
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}PRICING_SYNC_INTERVAL_HOURS=.*\(stops the sync\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}METRICS_TOKEN .*\(only what it grants stays closed\)$/),
    );
  });
});
