import { describe, expect, it } from 'vitest';
import { goodModels, useHostileSyncHarness } from '../support/hostile-sync.js';
import { openRouterBody } from '../support/sync-harness.js';

describe('hostile provider feeds cost one item, never the run, the provider or the lease', () => {
  const { harness, query, openrouter, lastRun, leaseHolder, priceOf } = useHostileSyncHarness();

  it('records the run and frees the lease when an invalid item has a NUL in its id', async () => {
    openrouter([...openRouterBody(goodModels()).data, { id: 'bad\u0000id', pricing: { prompt: 'NaN' } }]);
    const first = await harness().sync();
    const run = await lastRun();
    expect(run.status).toBe('success');
    expect(await leaseHolder()).toBeNull();
    const result = run.results.providers.openrouter!;
    expect(result.counts).toMatchObject({ added: 300, invalid: 1 });
    expect(result.invalid_examples).toEqual([{ id: 'bad\\u0000id', reason: expect.any(String) }]);
    expect(first.code).toBe(0);
    // The next run is not refused and does the same.
    expect((await harness().sync()).code).toBe(0);
    expect((await lastRun()).status).toBe('success');
  });

  it('skips only the items whose id or alias target Postgres cannot store; the rest apply', async () => {
    openrouter([
      ...openRouterBody(goodModels()).data,
      { id: 'nul\u0000model', pricing: { prompt: '0.000001', completion: '0.000002' } },
      { id: 'lone-\ud800-surrogate', pricing: { prompt: '0.000001', completion: '0.000002' } },
      { id: 'trail-\udfff', pricing: { prompt: '0.000001', completion: '0.000002' } },
      {
        id: '~alias/latest',
        alias_target: { slug: 'good/\u0000model' },
        pricing: { prompt: '0.000001', completion: '0.000002' },
      },
    ]);
    expect((await harness().sync()).code).toBe(0);
    const run = await lastRun();
    expect(run.status).toBe('success');
    expect(await leaseHolder()).toBeNull();
    const result = run.results.providers.openrouter!;
    expect(result.error).toBeNull();
    expect(result.counts).toMatchObject({ added: 300, invalid: 4 });
    expect(result.invalid_examples.map((item) => item.id)).toEqual([
      'nul\\u0000model',
      'lone-\\ud800-surrogate',
      'trail-\\udfff',
      '~alias/latest',
    ]);
    const stored = await query<{ n: string }>(
      `select count(*)::text as n from model_pricing where provider = 'openrouter'`,
    );
    expect(stored[0]?.n).toBe('300');
  });

  it('keeps a listed model whose price becomes unreadable as it was: invalid, not missing', async () => {
    openrouter(openRouterBody(goodModels()).data);
    expect((await harness().sync()).code).toBe(0);
    const [first, second, ...rest] = openRouterBody(goodModels()).data as Record<string, unknown>[];
    openrouter([
      { ...first, pricing: { prompt: 'NaN', completion: '0.000002' } },
      { ...second, pricing: { prompt: 0.000001, completion: '0.000002' } },
      ...rest,
    ]);
    expect((await harness().sync()).code).toBe(0);
    const run = await lastRun();
    const result = run.results.providers.openrouter!;
    expect(result.counts).toMatchObject({ invalid: 2, missing: 0, unchanged: 298 });
    expect(result.invalid_examples.map((item) => item.id)).toEqual(['good/model-000', 'good/model-001']);
    expect(await priceOf('good/model-000')).toEqual({ state: 'active', input: '1', output: '2' });
    expect(await priceOf('good/model-001')).toEqual({ state: 'active', input: '1', output: '2' });
    const missingHistory = await query<{ n: string }>(
      `select count(*)::text as n from model_pricing_history where kind = 'missing'`,
    );
    expect(missingHistory[0]?.n).toBe('0');

    // The same feed again, then without the unreadable two: only now are they missing.
    expect((await harness().sync()).code).toBe(0);
    openrouter(rest);
    expect((await harness().sync()).code).toBe(0);
    expect(await priceOf('good/model-000')).toEqual({ state: 'missing', input: '1', output: '2' });
    expect(await priceOf('good/model-001')).toEqual({ state: 'missing', input: '1', output: '2' });
  });

  it('stores no absurd price, and holds a new model priced above the new-model bound', async () => {
    const absurd: [string, string][] = [
      ['absurd/huge-exponent', '1e400'],
      ['absurd/tiny-exponent', '1e-400'],
      ['absurd/double-max', '1e308'],
      ['absurd/many-digits', `0.${'1'.repeat(98)}`],
      ['absurd/above-max', '1.000000000001'],
      ['absurd/below-min', '0.0000000000000000009'],
    ];
    openrouter([
      ...openRouterBody(goodModels()).data,
      ...absurd.map(([id, prompt]) => ({ id, pricing: { prompt, completion: '0.000002' } })),
      { id: 'pricey/new-model', pricing: { prompt: '0.002', completion: '0.002' } },
      { id: 'free/model', pricing: { prompt: '0', completion: '0' } },
    ]);
    // Invalid items and a held new model cost those items, not the run: a success (exit 0).
    expect((await harness().sync()).code).toBe(0);
    const run = await lastRun();
    expect(run.status).toBe('success');
    const result = run.results.providers.openrouter!;
    expect(result.counts).toMatchObject({ added: 301, invalid: absurd.length, held: 1 });
    expect(result.invalid_examples.map((item) => item.id)).toEqual(absurd.map(([id]) => id));
    expect(result.held_changes).toEqual([
      expect.objectContaining({ reason: 'new_model_price', model_id: 'pricey/new-model' }),
    ]);
    const stored = await query<{ model_id: string }>(
      `select model_id from model_pricing where provider = 'openrouter' and model_id !~ '^good/'`,
    );
    expect(stored).toEqual([{ model_id: 'free/model' }]);
    const widest = await query<{ digits: number }>(
      `select max(length(input_price_per_1m_tokens::text)) as digits from model_pricing`,
    );
    expect(widest[0]?.digits).toBeLessThanOrEqual(32);

    // Forced, the held new model applies; the absurd ones still never do.
    expect((await harness().sync(['--force'])).code).toBe(0);
    expect(await priceOf('pricey/new-model')).toEqual({ state: 'active', input: '2000', output: '2000' });
    expect(await priceOf('absurd/huge-exponent')).toBeNull();
  });
});
