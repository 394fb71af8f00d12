import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestCost, type CostPrices, type CostTier } from '../../lib/cost/request-cost.js';

/** Fixed so that a failure reproduces; fast-check prints the path to replay one case. */
const SEED = 27_001;
const NOON = new Date('2026-12-01T12:00:00Z');

function model(prices: Partial<CostPrices> = {}): CostPrices {
  return {
    provider: 'litellm',
    state: 'active',
    input_price_per_1m_tokens: '3',
    output_price_per_1m_tokens: '15',
    cache_read_price_per_1m_tokens: '0.3',
    cache_write_price_per_1m_tokens: '3.75',
    request_price: null,
    image_price: null,
    extra: {},
    tiers: [],
    ...prices,
  };
}

function cost(
  prices: CostPrices,
  usage: Record<string, unknown>,
  options: Partial<{ at: Date; inputIncludesCache: boolean }> = {},
) {
  return requestCost(prices, usage, { at: NOON, inputIncludesCache: true, ...options });
}

function costUsd(
  prices: CostPrices,
  usage: Record<string, unknown>,
  options: Partial<{ at: Date; inputIncludesCache: boolean }> = {},
) {
  const result = cost(prices, usage, options);
  if (!result.ok) throw new Error(result.error);
  return result.cost_usd;
}

describe('the cost of one request', () => {
  it('charges each quantity at its price, per 1M tokens or per unit, and shows each line', () => {
    const result = cost(
      model({
        request_price: '0.001',
        extra: { web_search_per_request: '0.01', internal_reasoning_per_1m_tokens: '20' },
      }),
      {
        input_tokens: 1000,
        output_tokens: 500,
        requests: 1,
        web_search_requests: 2,
        internal_reasoning_tokens: 100,
      },
    );
    expect(result).toMatchObject({
      ok: true,
      // 0.003 + 0.0075 + 0.001 + 0.02 + 0.002
      cost_usd: '0.0335',
      lines: [
        { price_field: 'input_price_per_1m_tokens', unit_price: '3', quantity: '1000', amount: '0.003' },
        {
          price_field: 'extra.internal_reasoning_per_1m_tokens',
          unit_price: '20',
          quantity: '100',
          amount: '0.002',
        },
        { price_field: 'output_price_per_1m_tokens', unit_price: '15', quantity: '500', amount: '0.0075' },
        { price_field: 'request_price', unit_price: '0.001', quantity: '1', amount: '0.001' },
        { price_field: 'extra.web_search_per_request', unit_price: '0.01', quantity: '2', amount: '0.02' },
      ],
      tier: null,
      unbilled_price_kinds: ['cache_read_price_per_1m_tokens', 'cache_write_price_per_1m_tokens'],
      warnings: [],
    });
  });

  it('charges cached tokens once, at the cache price, under either convention', () => {
    const openAiStyle = cost(model(), {
      input_tokens: 10_000,
      cache_read_tokens: 6_000,
      cache_write_tokens: 1_000,
      output_tokens: 10,
    });
    const anthropicStyle = cost(
      model(),
      { input_tokens: 3_000, cache_read_tokens: 6_000, cache_write_tokens: 1_000, output_tokens: 10 },
      { inputIncludesCache: false },
    );
    expect(openAiStyle).toEqual(anthropicStyle);
    expect(openAiStyle).toMatchObject({
      cost_usd: '0.0147',
      lines: [
        { price_field: 'cache_read_price_per_1m_tokens', quantity: '6000', amount: '0.0018' },
        { price_field: 'cache_write_price_per_1m_tokens', quantity: '1000', amount: '0.00375' },
        { price_field: 'input_price_per_1m_tokens', quantity: '3000', amount: '0.009' },
        { price_field: 'output_price_per_1m_tokens', quantity: '10', amount: '0.00015' },
      ],
    });
  });

  it('refuses what it cannot price, never answering zero', () => {
    const refusals: [CostPrices, Record<string, unknown>, RegExp][] = [
      [
        model({ cache_read_price_per_1m_tokens: null }),
        { input_tokens: 10, cache_read_tokens: 5 },
        /no price for it/,
      ],
      [model(), { input_tokens: 10, audio_input_tokens: 5 }, /no price for it/],
      [model(), { input_tokens: 10, cache_read_tokens: 11 }, /smaller than the cache/],
      [model(), {}, /names no quantity/],
      [model(), { input_tokens: -1 }, /whole number/],
      [model(), { input_tokens: 1.5 }, /whole number/],
      [model(), { input_tokens: '1e3' }, /whole number/],
      [model(), { input_tokens: 10 ** 16 }, /whole number/],
      [model({ state: 'variable' }), { input_tokens: 10 }, /router/],
      [model({ state: 'unpriced' }), { input_tokens: 10 }, /no price/],
      [
        model({ provider: 'openrouter', image_price: '0.002' }),
        { images: 1 },
        /image price has no single unit/,
      ],
    ];
    for (const [prices, usage, error] of refusals) {
      const result = cost(prices, usage);
      expect(result.ok, JSON.stringify(usage)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(error);
    }
  });

  it('bills images per image where the provider says so, and a zero quantity of a price the model lacks', () => {
    expect(costUsd(model({ provider: 'nearai', image_price: '0.04' }), { images: 3 })).toBe('0.12');
    expect(
      costUsd(model({ cache_read_price_per_1m_tokens: null }), { input_tokens: 1, cache_read_tokens: 0 }),
    ).toBe('0.000003');
  });

  it('names an extra price quantity after the unit its name carries, and never guesses a unit', () => {
    const extras = model({
      extra: {
        output_cost_per_second: '0.01',
        web_search_high_context_per_request: '0.03',
        audio_input_per_1m_tokens: '40',
        file_search_cost_per_1k_calls: '2.5',
        input_cost_per_audio_per_second: '0.0001',
        thing_as_given: '5',
      },
    });
    expect(
      cost(extras, {
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_seconds: 2,
        web_search_high_context_requests: 1,
        audio_input_tokens: 1000,
      }),
    ).toMatchObject({
      cost_usd: '0.09',
      unbilled_price_kinds: [
        'extra.file_search_cost_per_1k_calls',
        'extra.input_cost_per_audio_per_second',
        'extra.thing_as_given',
      ],
    });
    expect(cost(extras, { thing_as_given: 1 })).toMatchObject({ ok: false });
  });

  it('prices a missing model with its kept prices, and says so', () => {
    expect(cost(model({ state: 'missing' }), { input_tokens: 1_000_000 })).toMatchObject({
      ok: true,
      cost_usd: '3',
      warnings: ['missing'],
    });
  });
});

describe('tiers apply to the whole request', () => {
  // LiteLLM's `*_above_200k_tokens`, as normalize-litellm stores it: from 200,001 tokens.
  const aboveTier: CostTier = {
    min_prompt_tokens: 200_001,
    input_per_1m_tokens: '6',
    output_per_1m_tokens: '22.5',
    cache_read_per_1m_tokens: '0.6',
  };
  const longContext = model({ tiers: [aboveTier] });

  it.each([
    [199_999, null],
    [200_000, null],
    [200_001, 0],
    [200_002, 0],
  ])('a prompt of %i tokens against "above 200k" uses tier %s', (prompt, tier) => {
    const result = cost(longContext, { input_tokens: prompt, output_tokens: 1_000 });
    expect(result.ok && result.tier?.index).toBe(tier ?? undefined);
    const [input, output] = tier === null ? ['3', '15'] : ['6', '22.5'];
    expect(result.ok && result.cost_usd).toBe(
      new Big(input).times(prompt).plus(new Big(output).times(1_000)).times('1e-6').toFixed(),
    );
  });

  it('counts cache reads and writes in the prompt under both conventions, and prices them at the tier', () => {
    const includes = cost(longContext, { input_tokens: 200_001, cache_read_tokens: 100_000 });
    const excludes = cost(
      longContext,
      { input_tokens: 100_001, cache_read_tokens: 100_000 },
      { inputIncludesCache: false },
    );
    expect(includes).toEqual(excludes);
    expect(includes).toMatchObject({
      tier: { index: 0 },
      lines: [
        { price_field: 'cache_read_price_per_1m_tokens', unit_price: '0.6' },
        { price_field: 'input_price_per_1m_tokens', unit_price: '6', quantity: '100001' },
      ],
    });
  });

  it.each([
    // [from, to] inclusive bounds as stored for LiteLLM's tiered_pricing (from < tokens <= to).
    [32_000, 0],
    [32_001, 1],
    [128_000, 1],
    [128_001, 2],
    [252_000, 2],
    // Past the last range: its prices still apply, never the base (the cheapest range's) prices.
    [252_001, 2],
    [1_000_000, 2],
  ])('range tiers: a prompt of %i tokens uses tier %i', (prompt, tier) => {
    const ranged = model({
      tiers: [
        { min_prompt_tokens: 0, max_prompt_tokens: 32_000, input_per_1m_tokens: '1' },
        { min_prompt_tokens: 32_001, max_prompt_tokens: 128_000, input_per_1m_tokens: '2' },
        { min_prompt_tokens: 128_001, max_prompt_tokens: 252_000, input_per_1m_tokens: '3' },
      ],
    });
    expect(cost(ranged, { input_tokens: prompt })).toMatchObject({ tier: { index: tier } });
  });

  it('takes the highest threshold a prompt exceeds', () => {
    const twoThresholds = model({
      tiers: [
        { min_prompt_tokens: 128_001, input_per_1m_tokens: '4' },
        { min_prompt_tokens: 200_001, input_per_1m_tokens: '6' },
      ],
    });
    expect(cost(twoThresholds, { input_tokens: 150_000 })).toMatchObject({ tier: { index: 0 } });
    expect(cost(twoThresholds, { input_tokens: 250_000 })).toMatchObject({ tier: { index: 1 } });
  });

  it.each([
    ['16:29:59', null],
    ['16:30:00', 0],
    ['23:59:59', 0],
    ['00:00:00', 0],
    ['00:29:59', 0],
    ['00:30:00', null],
  ])('a time-of-day window 16:30-00:30 UTC at %s uses tier %s', (time, tier) => {
    const offPeak = model({
      provider: 'openrouter',
      tiers: [
        { utc_start: '16:30', utc_end: '00:30', input_per_1m_tokens: '1.5', output_per_1m_tokens: '7.5' },
      ],
    });
    const result = cost(offPeak, { input_tokens: 1_000_000 }, { at: new Date(`2026-12-01T${time}Z`) });
    expect(result).toMatchObject({
      tier: tier === null ? null : { index: tier },
      cost_usd: tier === null ? '3' : '1.5',
    });
  });

  it('applies a tier request or image price kept among its extra prices', () => {
    const tiered = model({
      provider: 'nearai',
      request_price: '0.01',
      image_price: '0.04',
      tiers: [
        { min_prompt_tokens: 10, extra_prices: { request_per_request: '0.02', image_per_image: '0.05' } },
      ],
    });
    expect(cost(tiered, { input_tokens: 10, requests: 1, images: 1 })).toMatchObject({
      cost_usd: '0.07003',
      unbilled_price_kinds: [
        'output_price_per_1m_tokens',
        'cache_read_price_per_1m_tokens',
        'cache_write_price_per_1m_tokens',
      ],
    });
  });
});

/** The reference: big.js, arbitrary precision, never a JS number for money. */
function reference(
  prices: { input: string; output: string; cacheRead: string },
  usage: { uncached: number; cacheRead: number; output: number },
) {
  // Times 10^-6, not divided by 10^6: big.js rounds a division to Big.DP places.
  const perMillion = (price: string, tokens: number) => new Big(price).times(tokens).times('1e-6');
  return perMillion(prices.input, usage.uncached)
    .plus(perMillion(prices.cacheRead, usage.cacheRead))
    .plus(perMillion(prices.output, usage.output));
}

/** A price of up to 30 significant digits, from 1e-12 to 1,000,000 USD per 1M (the stored bounds). */
const price = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n - 1n }), fc.integer({ min: -12, max: 6 }))
  .map(([digits, exponent]) => {
    const text = new Big(`${digits}e${exponent - 29}`).toFixed();
    return new Big(text).gt(1_000_000) ? '1000000' : text;
  });
const tokens = fc.oneof(fc.constantFrom(0, 1, 1_000_000_000), fc.integer({ min: 0, max: 2_000_000_000 }));

describe('exact decimals (property, against big.js)', () => {
  it('equals the arbitrary-precision reference to the last digit, in both cache conventions', () => {
    fc.assert(
      fc.property(
        price,
        price,
        price,
        tokens,
        tokens,
        tokens,
        (input, output, cacheRead, uncached, cached, out) => {
          const prices = model({
            input_price_per_1m_tokens: input,
            output_price_per_1m_tokens: output,
            cache_read_price_per_1m_tokens: cacheRead,
          });
          const expected = reference(
            { input, output, cacheRead },
            { uncached, cacheRead: cached, output: out },
          );
          const includes = costUsd(prices, {
            input_tokens: uncached + cached,
            cache_read_tokens: cached,
            output_tokens: out,
          });
          const excludes = costUsd(
            prices,
            { input_tokens: uncached, cache_read_tokens: cached, output_tokens: out },
            { inputIncludesCache: false },
          );
          expect(new Big(includes).eq(expected)).toBe(true);
          expect(includes).toBe(excludes);
          // Canonical: what big.js prints for the same value.
          expect(includes).toBe(expected.toFixed());
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
