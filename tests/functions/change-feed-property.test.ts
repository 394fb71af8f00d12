import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as pins from '../../api/admin/pricing/pins.js';
import * as runs from '../../api/admin/pricing/runs.js';
import * as prices from '../../api/prices.js';
import type { PriceChange } from '../../lib/db/pricing-store.js';
import { priceViewOf, type ServedRow } from '../support/served-price.js';
import { shiftDecimal } from '../../lib/money/decimal.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

/**
 * Issue 26: following the change feed from the start reproduces today's GET /prices. Over random
 * sequences of syncs (prices moving, some over the 10x guardrail, models leaving and coming back,
 * context lengths changing), approvals, rejections, pins, unpins and rollbacks, a follower that
 * replays every change into an empty map (after by model, its effective_at from the last change
 * that moved the price) holds, model for model, what /prices serves; so does one reading the whole
 * feed again from the start in small pages.
 */

const PRICES_TOKEN = 'test-prices-token-feed-property';
/** Fixed so that a failure reproduces; fast-check prints the path to replay one case. */
const SEED = 26_001;
const MODELS = ['acme/w', 'acme/x', 'acme/y', 'acme/z'];
/** USD per 1M tokens; neighbours are within 10x of each other, far ends are not. */
const LADDER = ['0.02', '0.3', '1', '1.5', '2.5', '40', '150', '400'];

interface FeedModel {
  input: string;
  output: string;
  contextLength: number;
  listed: boolean;
}
type Keep = 'keep';
type Action =
  | { kind: 'sync'; moves: { input: string | Keep; output: string | Keep }[]; force: boolean }
  | { kind: 'context'; model: number }
  | { kind: 'leave' | 'return'; model: number }
  | { kind: 'approve' | 'reject'; pick: number }
  | { kind: 'pin'; model: number; input: string; output: string }
  | { kind: 'unpin'; pick: number }
  | { kind: 'rollback'; pick: number; force: boolean };

const price = fc.constantFrom(...LADDER);
const keepOr = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant<Keep>('keep') }, { weight: 1, arbitrary });
const model = fc.nat(MODELS.length - 1);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sync' as const),
      moves: fc.array(fc.record({ input: keepOr(price), output: keepOr(price) }), {
        minLength: MODELS.length,
        maxLength: MODELS.length,
      }),
      force: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('context' as const), model }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('leave' as const, 'return' as const), model }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const), pick: fc.nat(9) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pin' as const), model, input: price, output: price }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unpin' as const), pick: fc.nat(9) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rollback' as const),
      pick: fc.oneof(fc.constant(0), fc.nat(19)),
      force: fc.boolean(),
    }),
  },
);

type Replayed = Map<string, { after: PriceChange['after']; effectiveAt: string }>;

/** The price a view gives, without what is not a price (a change of those alone moves no price). */
const pricePart = (view: PriceChange['after']) => {
  if (view === null) return null;
  const { context_length: _c, alias_of: _a, ...part } = view;
  return JSON.stringify(part);
};

/** Replays changes into the map, as a follower would. */
function replay(map: Replayed, changes: PriceChange[]): void {
  for (const change of changes) {
    const key = `${change.provider}/${change.model_id}`;
    const moved = pricePart(change.before) !== pricePart(change.after);
    const previous = map.get(key);
    map.set(key, {
      after: change.after,
      effectiveAt: moved || !previous ? change.effective_at : previous.effectiveAt,
    });
  }
}

describe('the change feed: replayed from the start it is GET /prices, whatever syncs and operators do', () => {
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

  /** Every change from `cursor` on, `limit` a page, and the cursor to resume from. */
  async function follow(cursor: string | null, limit: number): Promise<[PriceChange[], string]> {
    const changes: PriceChange[] = [];
    for (;;) {
      const since = cursor === null ? '' : `&since=${encodeURIComponent(cursor)}`;
      const response = await prices.GET(
        request(`/prices/changes?limit=${limit}${since}`, { key: PRICES_TOKEN }),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { changes: PriceChange[]; next_cursor: string };
      changes.push(...body.changes);
      cursor = body.next_cursor;
      if (body.changes.length === 0) return [changes, cursor];
    }
  }

  async function expectReplayIsPrices(map: Replayed, step: string): Promise<void> {
    const served = await prices.GET(request('/prices?limit=5000', { key: PRICES_TOKEN }));
    const rows = ((await served.json()) as { prices: ServedRow[] }).prices;
    const fromPrices = Object.fromEntries(
      rows.map((row) => {
        const { provider, model_id, effective_at } = row;
        const view = priceViewOf(row);
        return [`${provider}/${model_id}`, { after: view, effectiveAt: effective_at }];
      }),
    );
    expect({ step, models: Object.fromEntries(map) }).toEqual({ step, models: fromPrices });
  }

  it('holds over random sequences of sync, hold, leave, return, approve, reject, pin, unpin and rollback', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        async (actions, pageSize) => {
          // A fresh store: every table a sync or an operator writes, emptied (ids keep counting).
          await harness.database.admin.query(
            `truncate public.model_pricing, public.model_pricing_history, public.pricing_providers,
                    public.pricing_sync_runs, public.pricing_apply_stage, public.pricing_held_changes,
                    public.pricing_pins cascade`,
          );
          const context = harness.configure({ PRICING_SYNC_PROVIDERS: 'openrouter', PRICES_TOKEN });
          const feed: FeedModel[] = MODELS.map((_, index) => ({
            input: LADDER[2 + (index % 3)]!,
            output: LADDER[3 + (index % 2)]!,
            contextLength: 128000,
            listed: true,
          }));
          const sync = async (force: boolean) => {
            harness.replay.setScenario('openrouter', {
              body: {
                data: MODELS.flatMap((id, index) => {
                  const current = feed[index]!;
                  if (!current.listed) return [];
                  const pricing = {
                    prompt: shiftDecimal(current.input, -6),
                    completion: shiftDecimal(current.output, -6),
                  };
                  return [{ id, name: id, context_length: current.contextLength, pricing }];
                }),
              },
            });
            const outcome = await context.sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force });
            expect(outcome.kind).toBe('finished');
          };
          await sync(false);
          const map: Replayed = new Map();
          let [changes, cursor] = await follow(null, pageSize);
          replay(map, changes);
          await expectReplayIsPrices(map, 'first sync');

          for (const [index, step] of actions.entries()) {
            const label = `step ${index + 1}: ${JSON.stringify(step)}`;
            let status = 200;
            switch (step.kind) {
              case 'sync':
                for (const [at, change] of step.moves.entries()) {
                  if (change.input !== 'keep') feed[at]!.input = change.input;
                  if (change.output !== 'keep') feed[at]!.output = change.output;
                }
                await sync(step.force);
                break;
              case 'context':
                feed[step.model]!.contextLength += 1000;
                await sync(false);
                break;
              case 'leave':
              case 'return':
                feed[step.model]!.listed = step.kind === 'return';
                await sync(false);
                break;
              case 'approve':
              case 'reject': {
                const pending = (await call(held, 'GET', '/admin/pricing/held?status=pending')).body.held as {
                  id: number;
                }[];
                if (pending.length === 0) continue;
                const ids = [pending[step.pick % pending.length]!.id];
                status = (await call(held, 'POST', '/admin/pricing/held', { action: step.kind, ids })).status;
                break;
              }
              case 'pin': {
                const prices = {
                  input: step.input,
                  output: step.output,
                  cache_read: null,
                  cache_write: null,
                  request: null,
                  image: null,
                };
                const body = {
                  provider: 'openrouter',
                  model_id: MODELS[step.model],
                  prices,
                  reason: 'property test',
                };
                status = (await call(pins, 'PUT', '/admin/pricing/pins', body)).status;
                break;
              }
              case 'unpin': {
                const listed = (await call(pins, 'GET', '/admin/pricing/pins')).body.pins as {
                  model_id: string;
                }[];
                if (listed.length === 0) continue;
                const pin = listed[step.pick % listed.length]!;
                const path = `/admin/pricing/pins?provider=openrouter&model_id=${encodeURIComponent(pin.model_id)}`;
                status = (await call(pins, 'DELETE', path)).status;
                break;
              }
              case 'rollback': {
                const listed = (await call(runs, 'GET', '/admin/pricing/runs?limit=50')).body.runs as {
                  id: number;
                }[];
                const body = {
                  action: 'rollback',
                  run_id: listed[step.pick % listed.length]!.id,
                  force: step.force,
                };
                status = (await call(runs, 'POST', '/admin/pricing/runs', body)).status;
                break;
              }
            }
            // An operator's refusal (a held row no longer current, a conflict, nothing to roll back,
            // a model that is not stored) is an answer, never a 500.
            expect([200, 400, 404, 409], label).toContain(status);
            [changes, cursor] = await follow(cursor, pageSize);
            replay(map, changes);
            await expectReplayIsPrices(map, label);
          }
          // A new follower, from the start, reaches the same place.
          const fresh: Replayed = new Map();
          const [all, end] = await follow(null, pageSize + 2);
          replay(fresh, all);
          expect(Object.fromEntries(fresh)).toEqual(Object.fromEntries(map));
          expect(end).toBe(cursor);
        },
      ),
      { seed: SEED, numRuns: 20 },
    );
  }, 180_000);
});
