import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// pricing_prices_json builds every history document (old_prices, new_prices) of every apply. It
// became to_jsonb of a composite (20261201600000_commit_one_pass.sql) for speed; the documents must
// be exactly what the first definition (jsonb_build_object, 20261128100200) wrote, or history
// readers and the operator's rollback would see other prices.
const FIRST_DEFINITION = `pg_catalog.jsonb_build_object(
    'state', p.state,
    'input_price_per_1m_tokens', pg_catalog.trim_scale(p.input)::text,
    'output_price_per_1m_tokens', pg_catalog.trim_scale(p.output)::text,
    'cache_read_price_per_1m_tokens', pg_catalog.trim_scale(p.cache_read)::text,
    'cache_write_price_per_1m_tokens', pg_catalog.trim_scale(p.cache_write)::text,
    'request_price', pg_catalog.trim_scale(p.request)::text,
    'image_price', pg_catalog.trim_scale(p.image)::text,
    'extra_prices', p.extra,
    'pricing_tiers', p.tiers,
    'context_length', v.context_length,
    'alias_of', v.alias_of)`;

describe('pricing_prices_json (history documents)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('writes the same document as its first definition, for nulls, trailing zeros, extras and tiers', async () => {
    const result = await database.admin.query<{ now: unknown; first: unknown; same: boolean }>(`
      with v(state, input, output, cache_read, cache_write, request, image, extra, tiers, context_length, alias_of) as (
        values
          ('active', 0.5, 1.50, null::numeric, null::numeric, null::numeric, null::numeric, '{}'::jsonb, '[]'::jsonb, 128000, null::text),
          ('active', 0.000000000001, 1000000.000, 0.25, 3.75, 0.001, 0.0400,
           '{"web_search_per_request": "0.01", "audio_input_per_1m_tokens": "40"}'::jsonb,
           '[{"min_prompt_tokens": 200000, "input_per_1m_tokens": "2.5"}]'::jsonb, null, 'openai/gpt-4o'),
          ('variable', null, null, null, null, null, null, '{}'::jsonb, '[]'::jsonb, null, null),
          ('missing', 0, 0.0, null, null, null, null, '{}'::jsonb, '[]'::jsonb, 0, 'a "quoted" \\ id'),
          ('unpriced', 12345678901234567890.123456789, null, null, null, null, null, '{}'::jsonb, '[]'::jsonb, 2147483647, '')
      ),
      p as (
        select v.*, row(v.state, v.input, v.output, v.cache_read, v.cache_write, v.request, v.image,
                        v.extra, v.tiers)::public.pricing_prices as prices
          from v
      )
      select public.pricing_prices_json(prices, context_length, alias_of) as now,
             (select ${FIRST_DEFINITION} from (select (prices).*) p) as first,
             public.pricing_prices_json(prices, context_length, alias_of)::text
               = (select ${FIRST_DEFINITION} from (select (prices).*) p)::text as same
        from p v`);
    expect(result.rows).toHaveLength(5);
    for (const row of result.rows) {
      expect(row.now).toEqual(row.first);
      expect(row.same).toBe(true);
    }
    expect(result.rows[1]!.now).toMatchObject({
      input_price_per_1m_tokens: '0.000000000001',
      output_price_per_1m_tokens: '1000000',
      pricing_tiers: [{ min_prompt_tokens: 200000, input_per_1m_tokens: '2.5' }],
      context_length: null,
      alias_of: 'openai/gpt-4o',
    });
    expect(result.rows[0]!.now).toEqual({
      state: 'active',
      input_price_per_1m_tokens: '0.5',
      output_price_per_1m_tokens: '1.5',
      cache_read_price_per_1m_tokens: null,
      cache_write_price_per_1m_tokens: null,
      request_price: null,
      image_price: null,
      extra_prices: {},
      pricing_tiers: [],
      context_length: 128000,
      alias_of: null,
    });
  });
});
