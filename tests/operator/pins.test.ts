import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pins from '../../api/admin/pricing/pins.js';
import * as held from '../../api/admin/pricing/held.js';
import * as prices from '../../api/prices.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';
import { holdLease } from '../support/test-store.js';

/** The base prices a pin names besides input and output: none. */
const NO_OTHER_PRICES = { cache_read: null, cache_write: null, request: null, image: null };

const FEED: [string, string, string][] = [
  ['acme/a', '1', '2'],
  ['acme/b', '3', '4'],
  ['acme/c', '5', '6'],
];

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('pins (%s)', (kind) => {
  let fixture: OperatorFixture;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    fixture.feed(FEED);
    await fixture.sync();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('keeps a pinned price through ten syncs, forced ones included, and shows the drift', async () => {
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '0.80', output: '1.6', ...NO_OTHER_PRICES },
      reason: 'negotiated contract 2026-12',
    });
    expect(set.status).toBe(200);
    expect(set.body.pin).toMatchObject({
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input_price_per_1m_tokens: '0.8', output_price_per_1m_tokens: '1.6' },
      pinned_by: 'admin',
      drift: { provider_prices: { input_price_per_1m_tokens: '1', output_price_per_1m_tokens: '2' } },
    });
    expect(await fixture.stored('acme/a')).toEqual(['active', '0.8', '1.6']);

    fixture.feed([['acme/a', '1.1', '2.2'], ...FEED.slice(1)]);
    for (let sync = 0; sync < 10; sync += 1) {
      await fixture.sync({ force: sync === 5 });
      expect(await fixture.stored('acme/a')).toEqual(['active', '0.8', '1.6']);
    }
    const listed = await fixture.call(pins, 'GET', '/admin/pricing/pins');
    expect(listed.body.pins).toHaveLength(1);
    expect(listed.body.pins[0]).toMatchObject({
      reason: 'negotiated contract 2026-12',
      drift: { provider_prices: { input_price_per_1m_tokens: '1.1', output_price_per_1m_tokens: '2.2' } },
    });
    expect(typeof listed.body.pins[0].drift.since).toBe('string');

    const served = await prices.GET(
      new Request('http://localhost/prices?model_id=acme/a', {
        headers: { authorization: 'Bearer test-admin-key-0123456789' },
      }),
    );
    const body = (await served.json()) as {
      prices: { input_price_per_1m_tokens: string; pinned: boolean }[];
    };
    expect(body.prices).toMatchObject([{ input_price_per_1m_tokens: '0.8', pinned: true }]);

    const history = await fixture.query(
      `select kind from public.model_pricing_history where model_id = 'acme/a' order by id`,
    );
    expect(history.rows.map((row) => row.kind)).toEqual(['added', 'pinned']);
  });

  it('shows no drift while the provider lists the pinned price', async () => {
    fixture.feed([['acme/a', '0.8', '1.6'], ...FEED.slice(1)]);
    await fixture.sync();
    const listed = await fixture.call(pins, 'GET', '/admin/pricing/pins?provider=openrouter');
    expect(listed.body.pins[0].drift).toBeNull();
    fixture.feed([['acme/a', '1.1', '2.2'], ...FEED.slice(1)]);
    await fixture.sync();
  });

  it("leaves the pin's price when unpinned, and the next sync applies the provider's price as a counted change", async () => {
    const removed = await fixture.call(
      pins,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/a',
    );
    expect(removed.status).toBe(200);
    expect(removed.body.provider_prices).toMatchObject({
      input_price_per_1m_tokens: '1.1',
      output_price_per_1m_tokens: '2.2',
    });
    expect(await fixture.stored('acme/a')).toEqual(['active', '0.8', '1.6']);
    expect((await fixture.call(pins, 'GET', '/admin/pricing/pins')).body.pins).toEqual([]);
    const runs = await fixture.query(
      `select r.trigger, r.results -> 'action' as action from public.pricing_sync_runs r where r.id = $1`,
      [removed.body.run_id],
    );
    expect(runs.rows).toEqual([{ trigger: 'pin', action: 'unpin' }]);
    const again = await fixture.call(
      pins,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/a',
    );
    expect(again.status).toBe(404);

    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.1', '2.2']);
    expect(outcome.report.providers.openrouter!.counts.changed).toBe(1);
  });

  it('holds the move from an unpinned price to a provider price over the guardrails', async () => {
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '1', output: '2', ...NO_OTHER_PRICES },
      reason: 'r',
    });
    expect(set.status).toBe(200);
    fixture.feed([
      ['acme/a', '100', '2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    expect(
      (await fixture.call(pins, 'DELETE', '/admin/pricing/pins?provider=openrouter&model_id=acme/a')).status,
    ).toBe(200);
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    const result = outcome.report.providers.openrouter!;
    expect(result.counts.held).toBe(1);
    expect(result.held_changes).toMatchObject([{ model_id: 'acme/a', reason: 'price_swing' }]);
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held?provider=openrouter');
    expect(pending.body.held).toMatchObject([
      {
        model_id: 'acme/a',
        reason: 'price_swing',
        current: { input_price_per_1m_tokens: '1' },
        proposed: { input_price_per_1m_tokens: '100' },
      },
    ]);
    // Back to the feed's earlier price for the tests that follow.
    const rejected = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'reject',
      ids: [pending.body.held[0].id],
    });
    expect(rejected.status).toBe(200);
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.1', '2.2']);
  });

  it('holds the move from an expired pin to a provider price over the guardrails, counted in that sync', async () => {
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '1', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    expect(await fixture.stored('acme/b')).toEqual(['active', '1', '4']);
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '100', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held?provider=openrouter');
    expect(pending.body.held).toMatchObject([{ model_id: 'acme/b', reason: 'price_swing' }]);
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/b',
      prices: { input: '1', output: '4', ...NO_OTHER_PRICES },
      reason: 'promo until month end',
      expires_at: '2999-01-01T00:00:00Z',
    });
    expect(set.status).toBe(200);
    await fixture.sync();
    const listed = await fixture.call(pins, 'GET', '/admin/pricing/pins');
    expect(listed.body.pins[0].drift.provider_prices.input_price_per_1m_tokens).toBe('100');
    // Time passes: the pin's end is now behind us.
    await fixture.query(
      `update public.pricing_pins set expires_at = now() - interval '1 second' where model_id = 'acme/b'`,
    );
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    expect(await fixture.stored('acme/b')).toEqual(['active', '1', '4']);
    const result = outcome.report.providers.openrouter!;
    expect(result.counts.held).toBe(1);
    expect(result.held_changes).toMatchObject([{ model_id: 'acme/b', reason: 'price_swing' }]);
    expect((await fixture.call(pins, 'GET', '/admin/pricing/pins')).body.pins).toEqual([]);
    const history = await fixture.query(
      `select kind from public.model_pricing_history where model_id = 'acme/b' and run_id = $1`,
      [outcome.report.run_id],
    );
    expect(history.rows).toEqual([]);
    const after = await fixture.call(held, 'GET', '/admin/pricing/held?provider=openrouter');
    expect(after.body.held).toMatchObject([
      { model_id: 'acme/b', reason: 'price_swing', current: { input_price_per_1m_tokens: '1' } },
    ]);
  });

  it("applies an expired pin's move to a provider price within the guardrails, counted in that sync", async () => {
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held?provider=openrouter');
    for (const row of pending.body.held as { id: number }[])
      await fixture.call(held, 'POST', '/admin/pricing/held', { action: 'reject', ids: [row.id] });
    await fixture.sync();
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/b',
      prices: { input: '2', output: '3', ...NO_OTHER_PRICES },
      reason: 'promo until month end',
      expires_at: '2999-01-01T00:00:00Z',
    });
    expect(set.status).toBe(200);
    await fixture.sync();
    expect(await fixture.stored('acme/b')).toEqual(['active', '2', '3']);
    await fixture.query(
      `update public.pricing_pins set expires_at = now() - interval '1 second' where model_id = 'acme/b'`,
    );
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);
    expect(outcome.report.providers.openrouter!.counts.changed).toBe(1);
    expect((await fixture.call(pins, 'GET', '/admin/pricing/pins')).body.pins).toEqual([]);
  });

  it('refuses a pin that leaves out a base price, naming what is missing, and stores nothing', async () => {
    const before = await fixture.stored('acme/a');
    const answer = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '0.5' },
      reason: 'test',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('missing output, cache_read, cache_write, request, image');
    expect(await fixture.stored('acme/a')).toEqual(before);
    expect((await fixture.call(pins, 'GET', '/admin/pricing/pins')).body.pins).toEqual([]);
  });

  it("keeps the model's tiers and extra prices when a pin leaves them out; [] and {} remove them", async () => {
    const tiers = [{ min_prompt_tokens: 200001, input_per_1m_tokens: '2.2', output_per_1m_tokens: '4.4' }];
    await fixture.query(
      `update public.model_pricing set pricing_tiers = $1::jsonb, extra_prices = $2::jsonb
        where provider = 'openrouter' and model_id = 'acme/c'`,
      [JSON.stringify(tiers), JSON.stringify({ audio_input_per_1m_tokens: '7' })],
    );
    const pinned = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/c',
      prices: { input: '5', output: '6', ...NO_OTHER_PRICES },
      reason: 'keep the tier',
    });
    expect(pinned.status).toBe(200);
    expect(pinned.body.pin.prices).toMatchObject({ tiers, extra: { audio_input_per_1m_tokens: '7' } });
    const served = await prices.GET(
      new Request('http://localhost/prices?model_id=acme/c', {
        headers: { authorization: 'Bearer test-admin-key-0123456789' },
      }),
    );
    expect(((await served.json()) as { prices: unknown[] }).prices).toMatchObject([
      { tiers, extra: { audio_input_per_1m_tokens: '7' }, pinned: true },
    ]);

    const cleared = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/c',
      prices: { input: '5', output: '6', ...NO_OTHER_PRICES, tiers: [], extra: {} },
      reason: 'no tier',
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.pin.prices).toMatchObject({ tiers: [], extra: {} });
    expect(
      (await fixture.call(pins, 'DELETE', '/admin/pricing/pins?provider=openrouter&model_id=acme/c')).status,
    ).toBe(200);
    await fixture.sync();
  });

  it('withdraws the pending held change of a model it pins, so it cannot be approved over the pin', async () => {
    fixture.feed([
      ['acme/a', '1.1', '2.2'],
      ['acme/b', '3', '4'],
      ['acme/c', '500', '6'],
    ]);
    await fixture.sync();
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held');
    expect(pending.body.held.map((row: { model_id: string }) => row.model_id)).toEqual(['acme/c']);
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/c',
      prices: { input: '5', output: '6', ...NO_OTHER_PRICES },
      reason: 'keep the old price',
    });
    expect(set.status).toBe(200);
    const approve = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [pending.body.held[0].id],
    });
    expect(approve.status).toBe(409);
    await fixture.sync();
    expect((await fixture.call(held, 'GET', '/admin/pricing/held')).body.held).toEqual([]);
    expect(await fixture.stored('acme/c')).toEqual(['active', '5', '6']);
  });

  it('answers 400 for bad pins and 404 for an unknown model', async () => {
    const good = {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '1', output: null, ...NO_OTHER_PRICES },
      reason: 'r',
    };
    for (const body of [
      { ...good, prices: { ...good.prices, input: 1 } },
      { ...good, prices: { ...good.prices, input: '-1' } },
      { ...good, prices: { ...good.prices, input: 'cheap' } },
      { ...good, prices: {} },
      { ...good, prices: { ...good.prices, bonus: '2' } },
      { ...good, prices: { ...good.prices, input: null } },
      { ...good, prices: { ...good.prices, tiers: [{ min_prompt_tokens: -1 }] } },
      { ...good, prices: { ...good.prices, tiers: [{ input_per_1m_tokens: 2 }] } },
      { ...good, prices: { ...good.prices, extra: { audio_per_1m_tokens: 0.1 } } },
      { ...good, reason: '' },
      { ...good, model_id: 'acme/\u0000' },
      { ...good, expires_at: 'tomorrow' },
      { ...good, expires_at: '2000-01-01T00:00:00Z' },
      // In the future, but as UTC past year 9999: not an instant Postgres reads back.
      { ...good, expires_at: '9999-12-31T23:00:00-02:00' },
    ]) {
      const answer = await fixture.call(pins, 'PUT', '/admin/pricing/pins', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    const unknown = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      ...good,
      model_id: 'acme/nope',
    });
    expect(unknown.status).toBe(404);
    expect((await fixture.call(pins, 'DELETE', '/admin/pricing/pins?provider=openrouter')).status).toBe(400);
  });

  it('refuses a body that repeats a key, or a price key that is no price name, and stores no pin', async () => {
    const body = (prices: string, rest = '') =>
      `{"provider":"openrouter","model_id":"acme/b","prices":${prices},"reason":"r"${rest}}`;
    for (const [text, message] of [
      // Read as the last one, this stored a permanent pin for one meant to expire.
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null}',
          ',"expires_at":"2099-01-01T00:00:00Z","expires_at":null',
        ),
        /"expires_at" more than once/,
      ],
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null,"input":"2"}',
        ),
        /"input" more than once/,
      ],
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null,"extra":{"a_usd":"1","a_\\u0075sd":"2"}}',
        ),
        /"a_usd" more than once/,
      ],
      // Assigned onto a plain object, __proto__ set its prototype and the pin stored `{}`.
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null,"extra":{"__proto__":"5"}}',
        ),
        /"__proto__" is not a price name/,
      ],
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null,"extra":{"constructor":"5"}}',
        ),
        /"constructor" is not a price name/,
      ],
      [
        body(
          '{"input":"1","output":null,"cache_read":null,"cache_write":null,"request":null,"image":null,"extra":{"Audio Input":"5"}}',
        ),
        /is not a price name/,
      ],
    ] as const) {
      const answer = await fixture.call(pins, 'PUT', '/admin/pricing/pins', text);
      expect(answer.status, text).toBe(400);
      expect(answer.body.error, text).toMatch(message);
    }
    const listed = await fixture.call(pins, 'GET', '/admin/pricing/pins?provider=openrouter');
    expect(listed.body.pins.filter((pin: { model_id: string }) => pin.model_id === 'acme/b')).toEqual([]);

    const named = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/b',
      prices: {
        input: '1',
        output: null,
        cache_read: null,
        cache_write: null,
        request: null,
        image: null,
        extra: { audio_input_usd_per_million_tokens: '2.5' },
      },
      reason: 'r',
    });
    expect(named.status).toBe(200);
    expect(named.body.pin.prices.extra).toEqual({ audio_input_usd_per_million_tokens: '2.5' });
    const unpinned = await fixture.call(
      pins,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/b',
    );
    expect(unpinned.status).toBe(200);
  });

  it('refuses a pinned price out of the bounds every synced price meets, and stores nothing', async () => {
    const before = await fixture.stored('acme/c');
    for (const input of ['1e400', '1000001', '0.0000000000001', '1.0000000000000000000000000000001']) {
      const answer = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
        provider: 'openrouter',
        model_id: 'acme/c',
        prices: { input, output: null, ...NO_OTHER_PRICES },
        reason: 'r',
      });
      expect(answer.status, input).toBe(400);
      expect(JSON.stringify(answer.body)).toContain('out of bounds');
    }
    expect(await fixture.stored('acme/c')).toEqual(before);
  });

  it('refuses pin and unpin with 409 and the running run while a sync holds the lease', async () => {
    const runId = await holdLease(fixture.store, {
      trigger: 'cron',
      triggeredBy: null,
      leaseSeconds: 30,
    });
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '1', output: null, ...NO_OTHER_PRICES },
      reason: 'r',
    });
    expect(set.status).toBe(409);
    expect(set.body.running_run_id).toBe(runId);
    const unset = await fixture.call(
      pins,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/c',
    );
    expect(unset.status).toBe(409);
    await fixture.store.finishRun(runId, 'success', { providers: {} }, null);
    expect(await fixture.stored('acme/c')).toEqual(['active', '5', '6']);
  });
});
