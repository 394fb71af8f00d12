import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as pins from '../../api/admin/pricing/pins.js';
import * as metrics from '../../api/metrics.js';
import { parseExposition } from '../metrics/parse-exposition.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('operator metrics (%s)', (kind) => {
  let fixture: OperatorFixture;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  async function scrape() {
    const response = await metrics.GET(new Request('http://localhost/metrics'));
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  }

  it('counts pending held rows and the age of the oldest, from the table', async () => {
    let parsed = await scrape();
    expect(parsed.value('pricing_held_changes', { provider: 'openrouter' })).toBe(0);
    expect(parsed.value('pricing_held_oldest_age_seconds', { provider: 'openrouter' })).toBe(0);

    fixture.feed([
      ['acme/a', '100', '2'],
      ['acme/b', '300', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    // As if the first had waited two days.
    await fixture.query(
      `update public.pricing_held_changes set first_held_at = now() - interval '2 days' where model_id = 'acme/a'`,
    );
    parsed = await scrape();
    expect(parsed.value('pricing_held_changes', { provider: 'openrouter' })).toBe(2);
    const age = parsed.value('pricing_held_oldest_age_seconds', { provider: 'openrouter' })!;
    expect(age).toBeGreaterThanOrEqual(2 * 86_400);
    expect(age).toBeLessThan(2 * 86_400 + 3_600);

    const pending = await fixture.call(held, 'GET', '/admin/pricing/held');
    const oldest = pending.body.held.find((row: { model_id: string }) => row.model_id === 'acme/a');
    await fixture.call(held, 'POST', '/admin/pricing/held', { action: 'reject', ids: [oldest.id] });
    parsed = await scrape();
    expect(parsed.value('pricing_held_changes', { provider: 'openrouter' })).toBe(1);
    expect(parsed.value('pricing_held_oldest_age_seconds', { provider: 'openrouter' })).toBeLessThan(86_400);
    expect(parsed.value('pricing_sync_runs_total', { trigger: 'reject', status: 'success' })).toBe(1);
  });

  it('counts pinned models and those in drift', async () => {
    await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/c',
      prices: { input: '5', output: '6', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'same as the provider for now',
    });
    let parsed = await scrape();
    expect(parsed.value('pricing_pinned_models', { provider: 'openrouter' })).toBe(1);
    expect(parsed.value('pricing_pin_drift_models', { provider: 'openrouter' })).toBe(0);
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
      ['acme/c', '4', '6'],
    ]);
    await fixture.sync();
    parsed = await scrape();
    expect(parsed.value('pricing_pin_drift_models', { provider: 'openrouter' })).toBe(1);
    expect(parsed.value('pricing_sync_runs_total', { trigger: 'pin', status: 'success' })).toBe(1);
  });
});
