import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as pins from '../../api/admin/pricing/pins.js';
import * as runs from '../../api/admin/pricing/runs.js';
import * as prices from '../../api/prices.js';
import { createAppContext, setAppContext } from '../../lib/app/app-context.js';
import { createLogger } from '../../lib/logging/logger.js';
import { request } from '../support/function-harness.js';
import {
  startOperatorFixture,
  type AdapterKind,
  type OperatorFixture,
} from '../operator/operator-fixture.js';

const NO_OTHER_PRICES = { cache_read: null, cache_write: null, request: null, image: null };
const USAGE = { input_tokens: 1_234_567, output_tokens: 89 };

/** The cost of USAGE at input and output prices (USD per 1M), by big.js. */
const expectedCost = (input: string, output: string) =>
  new Big(input)
    .times(USAGE.input_tokens)
    .plus(new Big(output).times(USAGE.output_tokens))
    .times('1e-6')
    .toFixed();

/** An instant as Postgres has it, to the microsecond, optionally moved by some microseconds. */
const MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('POST /prices/cost (%s)', (kind) => {
  let fixture: OperatorFixture;
  /** Each event's instant and one microsecond before it. */
  const instants: Record<string, { at: string; before: string }> = {};
  const post = (body: unknown) => fixture.call(prices, 'POST', '/prices/cost', body);

  async function historyInstant(name: string, where: string) {
    const result = await fixture.query<{ at: string; before: string }>(
      `select to_char(effective_at at time zone 'UTC', ${MICROS}) as at,
              to_char((effective_at - interval '1 microsecond') at time zone 'UTC', ${MICROS}) as before
         from public.model_pricing_history where model_id = 'acme/a' and ${where}
        order by id desc limit 1`,
    );
    instants[name] = result.rows[0]!;
  }

  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
    await historyInstant('added', "kind = 'added'");
    fixture.feed([
      ['acme/a', '1.25', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
    await historyInstant('changed', "kind = 'changed'");
    const pin = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '0.8', output: '1.6', ...NO_OTHER_PRICES },
      reason: 'contract',
    });
    expect(pin.status).toBe(200);
    await historyInstant('pinned', "kind = 'pinned'");
    const unpin = await fixture.call(
      pins,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/a',
    );
    expect(unpin.status).toBe(200);
    const unpinned = await fixture.query<{ at: string; before: string }>(
      `select to_char(started_at at time zone 'UTC', ${MICROS}) as at,
              to_char((started_at - interval '1 microsecond') at time zone 'UTC', ${MICROS}) as before
         from public.pricing_sync_runs where id = $1`,
      [unpin.body.run_id],
    );
    instants.unpinned = unpinned.rows[0]!;
    fixture.feed([
      ['acme/a', '1.3', '2'],
      ['acme/b', '3', '4'],
    ]);
    const bad = await fixture.sync();
    if (bad.kind !== 'finished') throw new Error('refused');
    await historyInstant('moved', "kind = 'changed'");
    const rollback = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: bad.report.run_id,
    });
    expect(rollback.status).toBe(200);
    await historyInstant('rolledBack', "kind = 'rolled_back'");
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('costs usage at an instant with the prices in force then, across a change, a pin and a rollback', async () => {
    const cases: [string, string, string, boolean][] = [
      [instants.added!.at, '1', '2', false],
      [instants.changed!.before, '1', '2', false],
      [instants.changed!.at, '1.25', '2', false],
      [instants.pinned!.before, '1.25', '2', false],
      [instants.pinned!.at, '0.8', '1.6', true],
      [instants.unpinned!.before, '0.8', '1.6', true],
      [instants.unpinned!.at, '0.8', '1.6', false],
      [instants.moved!.before, '0.8', '1.6', false],
      [instants.moved!.at, '1.3', '2', false],
      [instants.rolledBack!.before, '1.3', '2', false],
      [instants.rolledBack!.at, '0.8', '1.6', false],
    ];
    const answer = await post({
      items: cases.map(([at]) => ({ provider: 'openrouter', model_id: 'acme/a', at, usage: USAGE })),
    });
    expect(answer.status).toBe(200);
    expect(
      answer.body.results.map((result: Record<string, unknown>) => [result.cost_usd, result.pinned]),
    ).toEqual(cases.map(([, input, output, pinned]) => [expectedCost(input, output), pinned]));
    expect(answer.body.results[4]).toMatchObject({
      lines: [
        { price_field: 'input_price_per_1m_tokens', unit_price: '0.8', quantity: '1234567' },
        { price_field: 'output_price_per_1m_tokens', unit_price: '1.6', quantity: '89' },
      ],
      price_effective_at: expect.any(String),
      tier: null,
      unbilled_price_kinds: [],
    });
    // A past instant's price is what we had recorded then: today's freshness is not part of it.
    expect(answer.body.results[4]).not.toHaveProperty('stale');
  });

  it('costs without `at` at the current prices, and answers a per-item error for what it cannot price', async () => {
    const answer = await post({
      items: [
        { provider: 'openrouter', model_id: 'acme/a', usage: USAGE },
        { provider: 'openrouter', model_id: 'acme/nope', usage: USAGE },
        { provider: 'openrouter', model_id: 'acme/a', at: '2000-01-01T00:00:00Z', usage: USAGE },
        { provider: 'openrouter', model_id: 'acme/b', usage: { input_tokens: 5, cache_read_tokens: 1 } },
        { provider: 'openrouter', model_id: 'acme/b', at: 'yesterday', usage: USAGE },
        'not an item',
        { provider: 'openrouter', model_id: 'acme/b', usage: USAGE },
      ],
    });
    expect(answer.status).toBe(200);
    const results = answer.body.results;
    expect(results[0]).toMatchObject({
      cost_usd: expectedCost('0.8', '1.6'),
      pinned: false,
      state: 'active',
      // Priced now: its provider synced a moment ago (issue 25's freshness).
      stale: false,
      stale_reason: null,
    });
    expect(results[1]).toMatchObject({
      model_id: 'acme/nope',
      error: expect.stringMatching(/unknown model/),
    });
    expect(results[2]).toMatchObject({ error: expect.stringMatching(/no price of it was recorded by then/) });
    expect(results[3]).toMatchObject({ error: expect.stringMatching(/no price for it/) });
    expect(results[4]).toMatchObject({ error: expect.stringMatching(/^at must be/) });
    expect(results[5]).toMatchObject({ error: 'an item must be an object' });
    expect(results[6]).toMatchObject({ cost_usd: expectedCost('3', '4') });
    for (const failed of results.slice(1, 6)) expect(failed).not.toHaveProperty('cost_usd');
  });

  it('prices 1,000 items with one SQL call for their prices, and a hostile item costs only itself', async () => {
    const rpc = vi.spyOn(fixture.store, 'rpc');
    try {
      const items = Array.from({ length: 1000 }, (_, index) => ({
        provider: 'openrouter',
        model_id: index % 2 ? 'acme/a' : 'acme/b',
        ...(index % 3 ? {} : { at: instants.changed!.at }),
        usage: { input_tokens: index, output_tokens: 1 },
      }));
      items[7] = { ...items[7]!, model_id: 'acme/\u0000a' };
      items[8] = { ...items[8]!, usage: { ['x'.repeat(10_000)]: 1 } as never };
      const answer = await post({ items });
      expect(answer.status).toBe(200);
      expect(answer.body.results).toHaveLength(1000);
      // One read of every item's price, and one of the providers' freshness: never one per item.
      expect(rpc.mock.calls.map(([name]) => name).sort()).toEqual([
        'pricing_read_cost_prices',
        'pricing_read_freshness',
      ]);
      expect(answer.body.results[7].error).toMatch(/NUL/);
      expect(answer.body.results[8].error.length).toBeLessThan(200);
      const priced = answer.body.results.filter((result: Record<string, unknown>) => 'cost_usd' in result);
      expect(priced).toHaveLength(998);
    } finally {
      rpc.mockRestore();
    }
  });

  it('answers 400 for a malformed request and 413 past 1,000 items or 1 MiB', async () => {
    for (const body of [
      {},
      { items: [] },
      { items: {} },
      { items: [], colour: 1 },
      { items: [{}], input_includes_cache: 'yes' },
    ]) {
      expect((await post(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await post('{"items": [], "items": []}')).status).toBe(400);
    const item = { provider: 'openrouter', model_id: 'acme/a', usage: USAGE };
    expect((await post({ items: Array.from({ length: 1001 }, () => item) })).status).toBe(413);
    const large = { items: [{ ...item, model_id: 'x'.repeat(1024 * 1024) }] };
    expect((await post(large)).status).toBe(413);
  });

  it('needs PRICES_TOKEN or an admin key even when the prices are public', async () => {
    setAppContext(
      createAppContext({
        env: { ...fixture.context.env, PRICES_PUBLIC: 'true', PRICES_TOKEN: 'test-prices-token-cost-27' },
        store: fixture.store,
        logger: createLogger({ level: 'silent' }),
      }),
    );
    try {
      const body = JSON.stringify({ items: [{ provider: 'openrouter', model_id: 'acme/a', usage: USAGE }] });
      expect((await prices.POST(request('/prices/cost', { method: 'POST', body }))).status).toBe(401);
      const allowed = await prices.POST(
        request('/prices/cost', { method: 'POST', body, key: 'test-prices-token-cost-27' }),
      );
      expect(allowed.status).toBe(200);
      expect((await prices.GET(request('/prices/cost'))).status).toBe(405);
    } finally {
      setAppContext(fixture.context);
    }
  });
});
