import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from './support/scenario.js';
import { startReliabilityRunner, type ReliabilityRunner } from './support/reliability-runner.js';
import { openRouterBody } from '../support/sync-harness.js';

const AREA = 'Operator control';

interface ProviderAnswer {
  counts: Record<string, number>;
  held_changes: { model_id?: string; reason?: string }[];
}

/** The operator's calls over HTTP with the admin key: the status and JSON body. */
async function admin(
  fixture: ReliabilityRunner,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.url}${path}`, {
    method,
    headers: { ...fixture.admin, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What a model's row and the operator tables hold, read from outside the code under test. */
async function storedState(fixture: ReliabilityRunner, provider: string, modelId: string) {
  const result = await fixture.database!.admin.query<{
    input: string | null;
    output: string | null;
    cache_read: string | null;
    pins: number;
    runs: number;
    history: number;
  }>(
    `select trim_scale(m.input_price_per_1m_tokens)::text as input,
            trim_scale(m.output_price_per_1m_tokens)::text as output,
            trim_scale(m.cache_read_price_per_1m_tokens)::text as cache_read,
            (select count(*) from public.pricing_pins)::int as pins,
            (select count(*) from public.pricing_sync_runs)::int as runs,
            (select count(*) from public.model_pricing_history)::int as history
       from public.model_pricing m where m.provider = $1 and m.model_id = $2`,
    [provider, modelId],
  );
  return result.rows[0]!;
}

describe('money under operator control (OpenRouter served by the replay server)', () => {
  let fixture: ReliabilityRunner;
  const serve = (models: [string, string, string][]) =>
    fixture.replay.setScenario('openrouter', { body: openRouterBody(models) });

  beforeAll(async () => {
    fixture = await startReliabilityRunner({ env: { PRICING_SYNC_PROVIDERS: 'openrouter' } });
    // 1 and 2 USD per 1M tokens, per token as OpenRouter lists them.
    serve([
      ['acme/pinned', '0.000001', '0.000002'],
      ['acme/other', '0.000003', '0.000004'],
    ]);
    expect((await fixture.trigger()).body.status).toBe('success');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('a pin that leaves out a base price is refused, and nothing is stored', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      '400 listing the missing base prices; the model keeps its input and output prices; no pin, run or history row recorded',
    );
    const before = await storedState(fixture, 'openrouter', 'acme/pinned');
    const answer = await admin(fixture, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/pinned',
      prices: { input: '0.5' },
      reason: 'only input given',
    });
    const after = await storedState(fixture, 'openrouter', 'acme/pinned');
    record.observe(
      `${answer.status}: ${String(answer.body.error)}; stored input ${after.input}, output ${after.output} (was ${before.input}, ${before.output}); pins ${before.pins} → ${after.pins}, runs ${before.runs} → ${after.runs}, history rows ${before.history} → ${after.history}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/output.*cache_read.*cache_write.*request.*image/);
    expect(after).toEqual(before);
  });

  it("a pin's end with the feed 100× away: the next sync holds the move and counts it", async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      "unpin 200 writes no price; the next sync holds the move from the pin's price (price_swing), counts it (total_held 1) and the run is success; the stored price stays the pin's",
    );
    const pinned = await admin(fixture, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/pinned',
      prices: { input: '1', output: '2', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'contract price',
    });
    expect(pinned.status).toBe(200);
    serve([
      ['acme/pinned', '0.0001', '0.000002'],
      ['acme/other', '0.000003', '0.000004'],
    ]);
    const drift = await fixture.trigger();
    expect(drift.body.status).toBe('success');
    const unpinned = await admin(
      fixture,
      'DELETE',
      '/admin/pricing/pins?provider=openrouter&model_id=acme/pinned',
    );
    const afterUnpin = await storedState(fixture, 'openrouter', 'acme/pinned');
    const next = await fixture.trigger();
    const openrouter = (next.body.providers as Record<string, ProviderAnswer>).openrouter!;
    const after = await storedState(fixture, 'openrouter', 'acme/pinned');
    const heldRows = await admin(fixture, 'GET', '/admin/pricing/held?status=pending&provider=openrouter');
    const pending = heldRows.body.held as {
      model_id: string;
      reason: string;
      current: Record<string, string>;
    }[];
    record.observe(
      `unpin ${unpinned.status}, stored input ${afterUnpin.input}; next sync: run ${String(next.body.status)}, success ${String(next.body.success)}, total_held ${String(next.body.total_held)}, held ${JSON.stringify(openrouter.held_changes.map((change) => `${change.model_id} (${change.reason})`))}, changed ${openrouter.counts.changed}; stored input ${after.input}; pending row current input ${pending[0]?.current.input_price_per_1m_tokens}`,
    );
    expect(unpinned.status).toBe(200);
    expect(afterUnpin.input).toBe('1');
    expect(next.body).toMatchObject({ status: 'success', success: true, total_held: 1 });
    expect(openrouter.counts.held).toBe(1);
    expect(openrouter.held_changes).toMatchObject([{ model_id: 'acme/pinned', reason: 'price_swing' }]);
    expect(after.input).toBe('1');
    expect(pending).toMatchObject([
      { model_id: 'acme/pinned', reason: 'price_swing', current: { input_price_per_1m_tokens: '1' } },
    ]);
  });
});

describe('the LiteLLM map under operator control (LiteLLM served by the replay server)', () => {
  let fixture: ReliabilityRunner;
  const MAP_PATH = '/prices/model_prices_and_context_window.json';
  const entry = (input: number, extra: Record<string, number> = {}) => ({
    litellm_provider: 'openai',
    mode: 'chat',
    max_input_tokens: 128000,
    supports_vision: true,
    input_cost_per_token: input,
    output_cost_per_token: 2e-6,
    ...extra,
  });

  beforeAll(async () => {
    fixture = await startReliabilityRunner({
      env: { PRICING_SYNC_PROVIDERS: 'litellm', PRICES_PUBLIC: 'true' },
    });
    fixture.replay.setScenario('litellm', {
      body: { 'acme-chat': entry(1e-6), 'acme-other': entry(3e-6) },
    });
    expect((await fixture.trigger()).body.status).toBe('success');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('a held, then rejected change: the map carries no cost key from the feed, only what /prices serves', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      "the 100× swing with a new cache price is held, rejected, and seen again by the next sync; the map's entry for the model has input 1e-06, output 2e-06 and no cache_read_input_token_cost, as /prices (input 1, cache_read null); its non-cost keys pass through",
    );
    fixture.replay.setScenario('litellm', {
      body: {
        'acme-chat': entry(1e-4, { cache_read_input_token_cost: 1e-7 }),
        'acme-other': entry(3e-6),
      },
    });
    const held = await fixture.trigger();
    const pending = await admin(fixture, 'GET', '/admin/pricing/held?status=pending&provider=litellm');
    const rows = pending.body.held as { id: number; model_id: string; reason: string }[];
    const rejected = await admin(fixture, 'POST', '/admin/pricing/held', {
      action: 'reject',
      ids: rows.map((row) => row.id),
      note: 'the provider confirmed the old price',
    });
    // The feed still says 100x: the next sync neither applies nor holds the rejected value.
    const again = await fixture.trigger();
    const map = (await (await fetch(`${fixture.url}${MAP_PATH}`)).json()) as Record<
      string,
      Record<string, unknown>
    >;
    const prices = (await (
      await fetch(`${fixture.url}/prices?provider=litellm&model_id=acme-chat`)
    ).json()) as {
      prices: { input_price_per_1m_tokens: string; cache_read_price_per_1m_tokens: string | null }[];
    };
    const served = map['acme-chat']!;
    record.observe(
      `held: total_held ${String(held.body.total_held)} (${rows.map((row) => `${row.model_id} ${row.reason}`).join(', ')}); reject ${rejected.status}; next sync ${String(again.body.status)}, total_held ${String(again.body.total_held)}; map entry ${JSON.stringify(served)}; /prices input ${prices.prices[0]?.input_price_per_1m_tokens}, cache_read ${String(prices.prices[0]?.cache_read_price_per_1m_tokens)}`,
    );
    expect(held.body.total_held).toBe(1);
    expect(rows).toMatchObject([{ model_id: 'acme-chat', reason: 'price_swing' }]);
    expect(rejected.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'success', total_held: 0 });
    expect(prices.prices).toMatchObject([
      { input_price_per_1m_tokens: '1', cache_read_price_per_1m_tokens: null },
    ]);
    expect(served).toEqual({
      litellm_provider: 'openai',
      mode: 'chat',
      max_input_tokens: 128000,
      supports_vision: true,
      input_cost_per_token: 1e-6,
      output_cost_per_token: 2e-6,
    });
  });
});
