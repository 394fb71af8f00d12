import type { CostPrices } from '../../lib/cost/request-cost.js';
import Big from 'big.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as pins from '../../api/admin/pricing/pins.js';
import * as runs from '../../api/admin/pricing/runs.js';
import * as prices from '../../api/prices.js';
import * as liteLlmMap from '../../api/prices/litellm.js';
import { shiftDecimal } from '../../lib/money/decimal.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

/**
 * Issue 22 item 3, as a property: over random sequences of syncs (prices moving, some over the 10x
 * guardrail, some gaining a cache price or a long-context tier), approvals, rejections, pins,
 * unpins and rollbacks, the LiteLLM map's cost keys of every model equal, exactly, what GET /prices
 * serves for it (docs/api.md's table), and no other entry carries a cost key.
 */

const PRICES_TOKEN = 'test-prices-token-map-property';
const MAP_PATH = '/prices/model_prices_and_context_window.json';
/** Fixed so that a failure reproduces; fast-check prints the path to replay one case. */
const SEED = 22_003;

const LITELLM_MODELS = ['acme-a', 'acme-b', 'acme-c'];
const OPENROUTER_MODELS = ['acme/x', 'acme/y'];
const MODELS = [
  ...LITELLM_MODELS.map((id) => ({ provider: 'litellm', id })),
  ...OPENROUTER_MODELS.map((id) => ({ provider: 'openrouter', id })),
];

/** USD per 1M tokens; neighbours are within 10x of each other, far ends are not. */
const LADDER = ['0.02', '0.3', '1', '1.5', '2.5', '40', '150', '400'];

interface FeedPrice {
  input: string;
  output: string;
  cacheRead: string | null;
  /** Prices from a prompt of more than 200k tokens (LiteLLM's `_above_200k_tokens` keys). */
  tier: { input: string; output: string } | null;
}

type Keep = 'keep';
interface Move {
  input: string | Keep;
  output: string | Keep;
  cacheRead: string | null | Keep;
  tier: { input: string; output: string } | null | Keep;
}

type Action =
  | { kind: 'sync'; moves: Move[]; force: boolean }
  | { kind: 'swing'; model: number }
  | { kind: 'cache'; model: number; cacheRead: string | null }
  | { kind: 'approve' | 'reject'; pick: number }
  | {
      kind: 'pin';
      model: number;
      input: string;
      output: string;
      cacheRead: string | null;
      requestUsd: string | null;
      /** Left out (the model keeps its own), removed (`[]` / `{}`), or new ones. */
      tiers: Keep | null | { input: string; output: string };
      extra: Keep | null | string;
    }
  | { kind: 'unpin'; pick: number }
  | { kind: 'rollback'; pick: number; force: boolean };

const price = fc.constantFrom(...LADDER);
const keepOr = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant<Keep>('keep') }, { weight: 1, arbitrary });
const move: fc.Arbitrary<Move> = fc.record({
  input: keepOr(price),
  output: keepOr(price),
  cacheRead: keepOr(fc.option(fc.constantFrom('0.01', '0.25', '5'))),
  tier: keepOr(fc.option(fc.record({ input: price, output: price }))),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sync' as const),
      moves: fc.array(move, { minLength: MODELS.length, maxLength: MODELS.length }),
      // A forced run now and then: it skips the guardrails (never a pin).
      force: fc.constantFrom(false, false, false, true),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('swing' as const), model: fc.nat(MODELS.length - 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cache' as const),
      model: fc.nat(MODELS.length - 1),
      cacheRead: fc.option(fc.constantFrom('0.01', '0.25', '5')),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const), pick: fc.nat(9) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('pin' as const),
      model: fc.nat(MODELS.length - 1),
      input: price,
      output: price,
      cacheRead: fc.option(fc.constantFrom('0.05', '0.5')),
      requestUsd: fc.option(fc.constantFrom('0.001', '0.02')),
      tiers: keepOr(fc.option(fc.record({ input: price, output: price }))),
      extra: keepOr(fc.option(fc.constantFrom('5', '12.5'))),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unpin' as const), pick: fc.nat(9) }) },
  {
    weight: 2,
    // Runs are listed newest first: the latest run is the likeliest to roll back.
    arbitrary: fc.record({
      kind: fc.constant('rollback' as const),
      pick: fc.oneof(fc.constant(0), fc.nat(19)),
      force: fc.boolean(),
    }),
  },
);

/** LiteLLM's map entry for one model of the feed: per-token JSON numbers, as LiteLLM publishes them. */
function liteLlmEntry(feed: FeedPrice): Record<string, unknown> {
  const perToken = (value: string) => Number(shiftDecimal(value, -6));
  return {
    litellm_provider: 'openai',
    mode: 'chat',
    max_input_tokens: 128000,
    supports_vision: true,
    input_cost_per_token: perToken(feed.input),
    output_cost_per_token: perToken(feed.output),
    ...(feed.cacheRead === null ? {} : { cache_read_input_token_cost: perToken(feed.cacheRead) }),
    ...(feed.tier === null
      ? {}
      : {
          input_cost_per_token_above_200k_tokens: perToken(feed.tier.input),
          output_cost_per_token_above_200k_tokens: perToken(feed.tier.output),
        }),
  };
}

/** OpenRouter's `/models` entry: per-token decimal strings. */
function openRouterModel(id: string, feed: FeedPrice): Record<string, unknown> {
  return {
    id,
    name: id,
    context_length: 128000,
    pricing: {
      prompt: shiftDecimal(feed.input, -6),
      completion: shiftDecimal(feed.output, -6),
      ...(feed.cacheRead === null ? {} : { input_cache_read: shiftDecimal(feed.cacheRead, -6) }),
    },
  };
}

/** The map's JSON with every number kept as its exact text ("#1.5e-06"), never read into a double. */
function parseKeepingNumberText(text: string): Record<string, Record<string, unknown>> {
  const quoted = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    token.startsWith('"') ? token : `"#${token}"`,
  );
  return JSON.parse(quoted) as Record<string, Record<string, unknown>>;
}

/** A decimal in one canonical text, whatever its notation, for exact comparison. */
const exact = (value: string) => new Big(value).toFixed();
const perToken = (perMillion: string) => new Big(perMillion).times('0.000001').toFixed();

/** docs/api.md's named extras: `extra.<name>` -> the LiteLLM key it is written under. */
const NAMED_EXTRAS: Record<string, [key: string, perToken: boolean]> = {
  cache_write_1h_per_1m_tokens: ['cache_creation_input_token_cost_above_1hr', true],
  internal_reasoning_per_1m_tokens: ['output_cost_per_reasoning_token', true],
  audio_input_per_1m_tokens: ['input_cost_per_audio_token', true],
  audio_output_per_1m_tokens: ['output_cost_per_audio_token', true],
  audio_input_cache_read_per_1m_tokens: ['cache_read_input_audio_token_cost', true],
  image_input_per_1m_tokens: ['input_cost_per_image_token', true],
  image_output_per_1m_tokens: ['output_cost_per_image_token', true],
  image_output_per_image: ['output_cost_per_image', false],
};

/** A `/prices` row as the cost arithmetic reads it, with its key. */
type ServedPrice = CostPrices & { model_id: string };

/** The cost keys docs/api.md's table says the map writes for a price GET /prices serves, exact. */
function expectedCostKeys(row: ServedPrice): Record<string, string> {
  const keys: Record<string, string> = {};
  const base: [string, string | null, boolean][] = [
    ['input_cost_per_token', row.input_price_per_1m_tokens, true],
    ['output_cost_per_token', row.output_price_per_1m_tokens, true],
    ['cache_read_input_token_cost', row.cache_read_price_per_1m_tokens, true],
    ['cache_creation_input_token_cost', row.cache_write_price_per_1m_tokens, true],
    ['input_cost_per_request', row.request_price, false],
    ['input_cost_per_image', row.image_price, false],
  ];
  for (const [key, value, scaled] of base) {
    if (value !== null) keys[key] = scaled ? perToken(value) : exact(value);
  }
  for (const [name, value] of Object.entries(row.extra)) {
    const named = NAMED_EXTRAS[name];
    if (named) keys[named[0]] = named[1] ? perToken(value) : exact(value);
    else if (name.endsWith('_per_1m_tokens'))
      keys[`${name.slice(0, -'_per_1m_tokens'.length)}_cost_per_token`] = perToken(value);
    else if (name.includes('cost')) keys[name] = exact(value);
  }
  const tierFields: [
    string,
    'input_per_1m_tokens' | 'output_per_1m_tokens' | 'cache_read_per_1m_tokens' | 'cache_write_per_1m_tokens',
  ][] = [
    ['input_cost_per_token', 'input_per_1m_tokens'],
    ['output_cost_per_token', 'output_per_1m_tokens'],
    ['cache_read_input_token_cost', 'cache_read_per_1m_tokens'],
    ['cache_creation_input_token_cost', 'cache_write_per_1m_tokens'],
  ];
  for (const tier of row.tiers) {
    const min = tier.min_prompt_tokens;
    // This test's feeds only make tiers from a prompt size up with no end; anything else would need
    // the table's `tiered_pricing` row, which this check does not model.
    if (typeof min !== 'number' || tier.max_prompt_tokens !== undefined || (min - 1) % 1000 !== 0)
      throw new Error(`a tier this test does not model: ${JSON.stringify(tier)}`);
    for (const [key, field] of tierFields) {
      const value = tier[field];
      if (typeof value === 'string') keys[`${key}_above_${(min - 1) / 1000}k_tokens`] = perToken(value);
    }
  }
  return keys;
}

/** The entry's cost keys (every key with `cost` in its name, and `tiered_pricing`), exact. */
function servedCostKeys(entry: Record<string, unknown>): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (!key.includes('cost') && key !== 'tiered_pricing') continue;
    keys[key] =
      typeof value === 'string' && value.startsWith('#') ? exact(value.slice(1)) : JSON.stringify(value);
  }
  return keys;
}

describe('LiteLLM map: the cost keys of every model equal GET /prices, whatever operators and feeds do', () => {
  let harness: FunctionHarness;

  beforeAll(async () => {
    harness = await startFunctionHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function call(
    route: Partial<Record<string, (request: Request) => Promise<Response>>>,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await route[method]!(
      request(path, {
        method,
        key: ADMIN_KEY,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A fresh store: every table a sync or an operator writes, emptied (run ids keep counting). */
  async function resetStore(): Promise<void> {
    await harness.database.admin.query(
      `truncate public.model_pricing, public.model_pricing_history, public.pricing_providers,
                public.pricing_sync_runs, public.pricing_apply_stage, public.pricing_litellm_entries,
                public.pricing_litellm_entries_stage, public.pricing_held_changes, public.pricing_pins cascade`,
    );
  }

  async function checkMap(step: string): Promise<void> {
    const served = await prices.GET(request('/prices?limit=5000', { key: PRICES_TOKEN }));
    expect(served.status, step).toBe(200);
    const rows = ((await served.json()) as { prices: ServedPrice[] }).prices;
    const response = await liteLlmMap.GET(request(MAP_PATH, { key: PRICES_TOKEN }));
    if (response.status === 503) {
      // No LiteLLM entry of a listed model is stored (a rollback of the run that added them all
      // marked them missing): the map is refused whole, and /prices serves no litellm price either.
      expect(
        rows.filter((row) => row.provider === 'litellm' && row.state !== 'missing'),
        step,
      ).toEqual([]);
      return;
    }
    expect(response.status, step).toBe(200);
    const map = parseKeepingNumberText(await response.text());
    const checked = new Set<string>();
    for (const row of rows) {
      const key = row.provider === 'litellm' ? row.model_id : `${row.provider}/${row.model_id}`;
      if (row.state !== 'active') continue;
      checked.add(key);
      expect({ step, key, costs: map[key] && servedCostKeys(map[key]) }).toEqual({
        step,
        key,
        costs: expectedCostKeys(row),
      });
    }
    for (const [key, entry] of Object.entries(map)) {
      if (checked.has(key)) continue;
      expect({ step, key, costs: servedCostKeys(entry) }).toEqual({ step, key, costs: {} });
    }
  }

  it('holds over random sequences of sync, hold, approve, reject, pin, unpin and rollback', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 8 }), async (actions) => {
        await resetStore();
        const context = harness.configure({
          PRICING_SYNC_PROVIDERS: 'openrouter,litellm',
          PRICES_TOKEN,
        });
        const feed: FeedPrice[] = MODELS.map((_, index) => ({
          input: LADDER[2 + (index % 3)]!,
          output: LADDER[3 + (index % 2)]!,
          cacheRead: null,
          tier: index === 0 ? { input: '3', output: '6' } : null,
        }));
        const serveFeed = () => {
          harness.replay.setScenario('litellm', {
            body: Object.fromEntries(LITELLM_MODELS.map((id, index) => [id, liteLlmEntry(feed[index]!)])),
          });
          harness.replay.setScenario('openrouter', {
            body: {
              data: OPENROUTER_MODELS.map((id, index) =>
                openRouterModel(id, feed[LITELLM_MODELS.length + index]!),
              ),
            },
          });
        };
        const sync = async (force: boolean) => {
          serveFeed();
          const outcome = await context.sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force });
          expect(outcome.kind).toBe('finished');
        };
        await sync(false);
        await checkMap('first sync');

        for (const [index, step] of actions.entries()) {
          const label = `step ${index + 1}: ${JSON.stringify(step)}`;
          let status = 200;
          switch (step.kind) {
            case 'sync': {
              for (const [model, change] of step.moves.entries()) {
                const current = feed[model]!;
                if (change.input !== 'keep') current.input = change.input;
                if (change.output !== 'keep') current.output = change.output;
                if (change.cacheRead !== 'keep') current.cacheRead = change.cacheRead;
                // OpenRouter's models carry no tier here.
                if (change.tier !== 'keep' && model < LITELLM_MODELS.length) current.tier = change.tier;
              }
              await sync(step.force);
              break;
            }
            case 'swing': {
              // The case: a 100x swing that also brings a new cache price.
              const current = feed[step.model]!;
              current.input = shiftDecimal(current.input, 2);
              current.cacheRead = current.cacheRead === null ? '0.2' : shiftDecimal(current.cacheRead, 1);
              await sync(false);
              break;
            }
            case 'cache': {
              // A cache price appears, changes or goes, nothing else: applied by the guardrails.
              feed[step.model]!.cacheRead = step.cacheRead;
              await sync(false);
              break;
            }
            case 'approve':
            case 'reject': {
              const pending = await call(held, 'GET', '/admin/pricing/held?status=pending');
              const rows = pending.body.held as { id: number }[];
              if (rows.length === 0) continue;
              status = (
                await call(held, 'POST', '/admin/pricing/held', {
                  action: step.kind,
                  ids: [rows[step.pick % rows.length]!.id],
                })
              ).status;
              break;
            }
            case 'pin': {
              const model = MODELS[step.model]!;
              const answer = await call(pins, 'PUT', '/admin/pricing/pins', {
                provider: model.provider,
                model_id: model.id,
                prices: {
                  input: step.input,
                  output: step.output,
                  cache_read: step.cacheRead,
                  cache_write: null,
                  request: step.requestUsd,
                  image: null,
                  ...(step.tiers === 'keep'
                    ? {}
                    : {
                        tiers:
                          step.tiers === null
                            ? []
                            : [
                                {
                                  min_prompt_tokens: 128001,
                                  input_per_1m_tokens: step.tiers.input,
                                  output_per_1m_tokens: step.tiers.output,
                                },
                              ],
                      }),
                  ...(step.extra === 'keep'
                    ? {}
                    : { extra: step.extra === null ? {} : { internal_reasoning_per_1m_tokens: step.extra } }),
                },
                reason: 'property test',
              });
              // A valid pin of a stored model is always taken, whatever else happened.
              expect(answer.status, JSON.stringify(answer.body)).toBe(200);
              break;
            }
            case 'unpin': {
              const listed = (await call(pins, 'GET', '/admin/pricing/pins')).body.pins as {
                provider: string;
                model_id: string;
              }[];
              if (listed.length === 0) continue;
              const pin = listed[step.pick % listed.length]!;
              const removed = (
                await call(
                  pins,
                  'DELETE',
                  `/admin/pricing/pins?provider=${pin.provider}&model_id=${encodeURIComponent(pin.model_id)}`,
                )
              ).status;
              expect(removed).toBe(200);
              break;
            }
            case 'rollback': {
              const listed = (await call(runs, 'GET', '/admin/pricing/runs?limit=50')).body.runs as {
                id: number;
              }[];
              status = (
                await call(runs, 'POST', '/admin/pricing/runs', {
                  action: 'rollback',
                  run_id: listed[step.pick % listed.length]!.id,
                  force: step.force,
                })
              ).status;
              break;
            }
          }
          // An operator's refusal (a held row no longer current, a conflict, nothing to roll back)
          // is an answer, never a 500.
          expect([200, 400, 409], label).toContain(status);
          await checkMap(label);
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
  }, 120_000);
});
