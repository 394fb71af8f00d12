import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { MALFORMED_RESULT } from '../../lib/db/rpc-results.js';
import { StoreError } from '../../lib/db/store-error.js';
import { manyRecords, priceRecord } from '../support/store-fixtures.js';
import {
  applyRecords,
  askLease,
  holdLease,
  openTestStore,
  STORE_KIND_NAMES,
  TEST_STORE_KINDS,
  type TestStore,
} from '../support/test-store.js';

/**
 * One contract, three adapters. Each store comes with a superuser SQL session on the same database
 * (`inspect`), for looking at the tables from outside the code under test.
 */
const PRICE_TABLES = ['model_pricing', 'model_pricing_history'];

describe.each(TEST_STORE_KINDS.map((kind) => [STORE_KIND_NAMES[kind], kind] as const))(
  'store contract: %s',
  (_name, kind) => {
    let fixture: TestStore;
    beforeAll(async () => {
      fixture = await openTestStore(kind);
    });
    afterAll(async () => {
      await fixture.close();
    });

    /** Replaces a SQL function with one returning `result`, runs `check`, and restores the function. */
    async function withResult(
      signature: string,
      parameters: string,
      result: unknown,
      check: () => Promise<void>,
    ): Promise<void> {
      const [original] = await fixture.inspect.query<{ definition: string; returns: string }>(
        `select pg_get_functiondef('public.${signature}'::regprocedure) as definition,
              pg_get_function_result('public.${signature}'::regprocedure) as returns`,
      );
      const name = signature.slice(0, signature.indexOf('('));
      // Same result type as the real function (json or jsonb), or create or replace refuses.
      const returns = original!.returns;
      await fixture.inspect.exec(
        `create or replace function public.${name}(${parameters}) returns ${returns} language sql
         as $$ select ${`'${JSON.stringify(result).replaceAll("'", "''")}'`}::${returns} $$`,
      );
      try {
        await check();
      } finally {
        await fixture.inspect.exec(original!.definition);
      }
    }

    it.each([
      {
        fn: 'pricing_read_models',
        result: [['m', 'active', '1', '2']],
        detail: /0: expected an array of 12/,
      },
      {
        fn: 'pricing_read_models',
        result: [['m', 'gone', null, null, null, null, null, null, {}, [], null, null]],
        detail: /0\.1: expected state, got "gone"/,
      },
      { fn: 'pricing_read_models', result: { rows: [] }, detail: /expected array/ },
      { fn: 'pricing_read_providers', result: [{ provider: 'openrouter', held_count: '3' }], detail: /0\./ },
      { fn: 'pricing_read_status', result: null, detail: /expected object/ },
    ])(
      'answers $fn returning $result with a typed StoreError, never a wrong value',
      async ({ fn, result, detail }) => {
        const [signature, parameters, call] =
          fn === 'pricing_read_models'
            ? ['pricing_read_models(text)', 'p_provider text', () => fixture.store.readModels('openrouter')]
            : fn === 'pricing_read_providers'
              ? ['pricing_read_providers()', '', () => fixture.store.readProviders()]
              : ['pricing_read_status(integer)', 'p_recent integer', () => fixture.store.readStatus()];
        await withResult(signature, parameters, result, async () => {
          const error = await call().then(
            () => null,
            (thrown: unknown) => thrown,
          );
          expect(error).toBeInstanceOf(StoreError);
          expect(error).toMatchObject({ code: MALFORMED_RESULT, unavailable: false });
          expect((error as StoreError).message).toMatch(
            new RegExp(`^${fn}: the database answered with an unexpected shape`),
          );
          expect((error as StoreError).message).toMatch(detail);
        });
        // The function is back, and answers as before.
        await expect(call()).resolves.toBeDefined();
      },
    );

    it('grants the lease to one run and refuses the next with the holder and its start', async () => {
      const first = await askLease(fixture.store, { trigger: 'manual', triggeredBy: 'alice' });
      expect(first.acquired).toBe(true);
      const second = await askLease(fixture.store, { trigger: 'cron', triggeredBy: null });
      expect(second.acquired).toBe(false);
      if (!first.acquired || second.acquired) return;
      expect(second.holder.runId).toBe(first.runId);
      expect(second.holder.startedAt).toBe(first.startedAt);
      expect(second.holder.triggeredBy).toBe('alice');

      const status = await fixture.store.readStatus();
      expect(status.inProgress?.runId).toBe(first.runId);

      const finished = await fixture.store.finishRun(first.runId, 'success', { providers: {} }, null);
      expect(finished.finished).toBe(true);
      expect((await fixture.store.readStatus()).inProgress).toBeNull();
      const third = await askLease(fixture.store, { triggeredBy: 'bob', providers: [] });
      expect(third.acquired).toBe(true);
      if (third.acquired) {
        expect(
          (await fixture.store.finishRun(third.runId, 'success', { providers: {} }, null)).finished,
        ).toBe(true);
      }
    });

    it('stores exact decimal prices, extra prices, tiers and metadata, and reads them back unchanged', async () => {
      const runId = await holdLease(fixture.store);
      const record = priceRecord('anthropic/claude-test', '0.000000000001', '123456.123456789012', {
        cacheReadUsdPerMillionTokens: '0.3',
        cacheWriteUsdPerMillionTokens: '3.75',
        requestUsd: '0.0004',
        imageUsd: '0.001445',
        extraPrices: {
          web_search_per_request: '0.01',
          internal_reasoning_per_1m_tokens: '10',
          cache_write_1h_per_1m_tokens: '6',
        },
        tiers: [
          { min_prompt_tokens: 200001, input_per_1m_tokens: '6', output_per_1m_tokens: '22.5' },
          { utc_start: '16:30', utc_end: '00:30', input_per_1m_tokens: '0.135' },
        ],
        contextLength: 200000,
        aliasOf: null,
      });
      const alias = priceRecord('~anthropic/claude-latest', '3', '15', { aliasOf: 'anthropic/claude-test' });
      const router = priceRecord('openrouter/auto', null, null, { state: 'variable' });
      const result = await applyRecords(fixture.store, runId, [record, alias, router], {
        provider: 'openrouter',
        catalogHash: 'hash-1',
      });
      expect(result).toMatchObject({ added: 3, changed: 0, restored: 0, missing: 0, rowsWritten: 3 });
      await fixture.store.finishRun(runId, 'success', { providers: {} }, null);

      const stored = await fixture.store.readModels('openrouter');
      const byId = new Map(stored.map((model) => [model.modelId, model]));
      const { provider: _provider, ...expected } = record;
      expect(byId.get('anthropic/claude-test')).toEqual(expected);
      expect(byId.get('~anthropic/claude-latest')?.aliasOf).toBe('anthropic/claude-test');
      expect(byId.get('openrouter/auto')).toMatchObject({
        state: 'variable',
        inputUsdPerMillionTokens: null,
      });

      const numeric = await fixture.inspect.query<{ input: string; type: string }>(
        `select input_price_per_1m_tokens::text as input, pg_typeof(input_price_per_1m_tokens)::text as type
         from model_pricing where model_id = 'anthropic/claude-test'`,
      );
      expect(numeric[0]).toEqual({ input: '0.000000000001', type: 'numeric' });

      const providers = await fixture.store.readProviders();
      expect(providers.find((row) => row.provider === 'openrouter')).toMatchObject({
        catalogHash: 'hash-1',
        modelsByState: { active: 2, variable: 1 },
      });
    });

    it('writes nothing when the same catalog is applied again', async () => {
      const records = [priceRecord('a/one', '1', '2'), priceRecord('a/two', '0.5', '0.25')];
      const first = await holdLease(fixture.store);
      await applyRecords(fixture.store, first, records, { provider: 'nearai' });
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);

      const before = await fixture.writes(PRICE_TABLES);
      const second = await holdLease(fixture.store);
      const result = await applyRecords(fixture.store, second, records, { provider: 'nearai' });
      await fixture.store.finishRun(second, 'success', { providers: {} }, null);
      expect(result.rowsWritten).toBe(0);
      expect(await fixture.writes(PRICE_TABLES)).toBe(before);
    });

    it('records a price change and a vanished model in history, never deleting the model', async () => {
      const first = await holdLease(fixture.store);
      await applyRecords(
        fixture.store,
        first,
        [priceRecord('qwen-max', '1.6', '6.4'), priceRecord('qwen-plus', '0.4', '1.2')],
        { provider: 'alibaba-cloud' },
      );
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      const second = await holdLease(fixture.store);
      const result = await applyRecords(fixture.store, second, [priceRecord('qwen-max', '1.2', '6.4')], {
        provider: 'alibaba-cloud',
        missing: ['qwen-plus'],
      });
      await fixture.store.finishRun(second, 'success', { providers: {} }, null);
      expect(result).toMatchObject({ changed: 1, missing: 1 });

      const history = await fixture.inspect.query<{
        model_id: string;
        kind: string;
        old_input: string;
        new_input: string;
      }>(
        `select model_id, kind, old_input_price_per_1m_tokens::text as old_input, new_input_price_per_1m_tokens::text as new_input
         from model_pricing_history where provider = 'alibaba-cloud' and run_id = $1 order by model_id`,
        [second],
      );
      expect(history).toEqual([
        { model_id: 'qwen-max', kind: 'changed', old_input: '1.6', new_input: '1.2' },
        { model_id: 'qwen-plus', kind: 'missing', old_input: '0.4', new_input: '0.4' },
      ]);
      const plus = await fixture.inspect.query<{ state: string; has_missing_since: boolean }>(
        `select state, missing_since is not null as has_missing_since from model_pricing where provider = 'alibaba-cloud' and model_id = 'qwen-plus'`,
      );
      expect(plus).toEqual([{ state: 'missing', has_missing_since: true }]);

      const third = await holdLease(fixture.store);
      const restored = await applyRecords(fixture.store, third, [priceRecord('qwen-plus', '0.4', '1.2')], {
        provider: 'alibaba-cloud',
      });
      await fixture.store.finishRun(third, 'success', { providers: {} }, null);
      expect(restored).toMatchObject({ restored: 1, added: 0 });
    });

    it('reads the change feed in history id order after a history id, with prices as the API shows them', async () => {
      const run = await holdLease(fixture.store);
      await applyRecords(
        fixture.store,
        run,
        [priceRecord('feed/a', '0.10', '2'), priceRecord('feed/b', '3', null)],
        { provider: 'featherless' },
      );
      await fixture.store.finishRun(run, 'success', { providers: {} }, null);
      const [before] = await fixture.inspect.query<{ id: string }>(
        `select min(id)::text as id from model_pricing_history where run_id = $1`,
        [run],
      );
      const afterId = Number(before!.id) - 1;
      const page = await fixture.store.readChanges({ providers: ['featherless'], afterId, limit: 1 });
      expect(page.more).toBe(true);
      expect(page.changes).toEqual([
        {
          id: afterId + 1,
          provider: 'featherless',
          model_id: 'feed/a',
          kind: 'added',
          before: null,
          after: expect.objectContaining({
            state: 'active',
            input_price_per_1m_tokens: '0.1',
            output_price_per_1m_tokens: '2',
          }),
          effective_at: expect.any(String),
          run_id: run,
          trigger: 'cli',
        },
      ]);
      const rest = await fixture.store.readChanges({ providers: null, afterId: afterId + 1, limit: 1000 });
      expect(rest.more).toBe(false);
      expect(rest.changes.map((change) => change.model_id)).toEqual(['feed/b']);
      expect(rest.lastId).toBe(afterId + 2);
    });

    it('runs the seed verification query verbatim and returns the rows changed in the last hour', async () => {
      const rows = await fixture.inspect.query<{ model_id: string }>(`
  SELECT
    model_id,
    input_price_per_1m_tokens,
    output_price_per_1m_tokens,
    updated_at
  FROM model_pricing
  WHERE updated_at > NOW() - INTERVAL '1 hour'
  ORDER BY updated_at DESC
  LIMIT 10;
`);
      expect(rows.map((row) => row.model_id)).toContain('qwen-max');
      await fixture.inspect.query(
        `update model_pricing set updated_at = now() - interval '2 hours' where model_id = 'qwen-max'`,
      );
      const later = await fixture.inspect.query<{ model_id: string }>(
        `SELECT model_id FROM model_pricing WHERE updated_at > NOW() - INTERVAL '1 hour' ORDER BY updated_at DESC LIMIT 10;`,
      );
      expect(later.map((row) => row.model_id)).not.toContain('qwen-max');
    });

    it('keeps monotonic totals when a run finishes, and refuses an apply from a run without the lease', async () => {
      const runId = await holdLease(fixture.store);
      await fixture.store.finishRun(
        runId,
        'partial',
        {
          providers: {
            openrouter: { applied: true, counts: { added: 2, unchanged: 5, price_up: 1 }, error: null },
            nearai: {
              applied: false,
              counts: {},
              error: { reason: 'timeout', message: 'no answer in 30 s' },
            },
          },
        },
        null,
      );
      const metrics = await fixture.store.readMetrics();
      const total = (metric: string, label1: string, label2: string) =>
        metrics.totals.find((row) => row[0] === metric && row[1] === label1 && row[2] === label2)?.[3];
      expect(total('runs', 'cli', 'partial')).toBe('1');
      expect(total('models', 'openrouter', 'added')).toBe('2');
      expect(total('price_changes', 'openrouter', 'up')).toBe('1');
      expect(total('provider_errors', 'nearai', 'timeout')).toBe('1');
      expect(total('duration_count', 'cli', '')).toBeDefined();
      const nearai = (await fixture.store.readProviders()).find((row) => row.provider === 'nearai');
      expect(nearai).toMatchObject({ lastErrorReason: 'timeout', lastError: 'no answer in 30 s' });

      await expect(
        applyRecords(fixture.store, runId, [], { provider: 'openrouter', source: 'x' }),
      ).rejects.toThrow(/does not hold the sync lease/);
    });

    it('records a commit that writes no model as pricing_commit_provider with no rows would, through pricing_touch_provider', async () => {
      const providerRow = async (provider: string) => {
        const [row] = await fixture.inspect.query<Record<string, unknown>>(
          `select last_run_id::text as run, catalog_hash, last_error_reason, last_error, models_by_state,
                  held_count, held_changes, last_success_at = last_attempt_at as succeeded
             from public.pricing_providers where provider = $1`,
          [provider],
        );
        return row;
      };
      const first = await holdLease(fixture.store);
      await applyRecords(fixture.store, first, manyRecords(3, 'featherless'), { provider: 'featherless' });
      await applyRecords(fixture.store, first, manyRecords(3, 'nearai'), { provider: 'nearai' });
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      // nearai's row forgets its counts (a row written before they were kept): they are counted
      // again. openrouter has no row: one is made.
      const sameStart = async () => {
        await fixture.inspect.query(
          `update public.pricing_providers set models_by_state = '{}', last_error = 'x' where provider = 'nearai'`,
        );
        await fixture.inspect.query(`delete from public.pricing_providers where provider = 'openrouter'`);
      };
      await sameStart();

      const touched = await holdLease(fixture.store);
      const calls: string[] = [];
      const call = fixture.store.transport.call.bind(fixture.store.transport);
      fixture.store.transport.call = (name, args) => (calls.push(name), call(name, args));
      try {
        for (const provider of ['featherless', 'nearai', 'openrouter'] as const) {
          await expect(
            applyRecords(fixture.store, touched, [], {
              provider,
              catalogHash: `hash of ${provider}`,
              held: [{ model_id: 'x' }],
              heldCount: 2,
            }),
          ).resolves.toEqual({ added: 0, changed: 0, restored: 0, missing: 0, rowsWritten: 0 });
        }
      } finally {
        fixture.store.transport.call = call;
      }
      expect(calls).toEqual(['pricing_touch_provider', 'pricing_touch_provider', 'pricing_touch_provider']);
      const touchedRows = {
        featherless: await providerRow('featherless'),
        nearai: await providerRow('nearai'),
        openrouter: await providerRow('openrouter'),
      };
      // The same commit through pricing_commit_provider, in another run.
      await fixture.store.finishRun(touched, 'success', { providers: {} }, null);
      const committed = await holdLease(fixture.store);
      await sameStart();
      for (const provider of ['featherless', 'nearai', 'openrouter'])
        await fixture.inspect.query(
          `select public.pricing_commit_provider($1, $2, '[]'::jsonb, '{}', $3, '{"count": 2, "changes": [{"model_id": "x"}]}', 'test')`,
          [committed, provider, `hash of ${provider}`],
        );
      await fixture.store.finishRun(committed, 'success', { providers: {} }, null);
      for (const provider of ['featherless', 'nearai', 'openrouter'] as const) {
        const expected = { ...(await providerRow(provider)), run: String(touched) };
        expect(touchedRows[provider]).toEqual(expected);
        const [counted] = await fixture.inspect.query<{ by_state: Record<string, number> }>(
          `select coalesce(jsonb_object_agg(state, n), '{}') as by_state
             from (select state, count(*) as n from public.model_pricing where provider = $1 group by state) c`,
          [provider],
        );
        expect(touchedRows[provider]).toMatchObject({
          catalog_hash: `hash of ${provider}`,
          last_error: null,
          models_by_state: counted!.by_state,
          held_count: 2,
          succeeded: true,
        });
      }
      expect(touchedRows.featherless!.models_by_state).toMatchObject({ active: expect.any(Number) });
    });

    it('refuses to touch a provider whose rows are staged: only pricing_commit_provider commits them', async () => {
      const runId = await holdLease(fixture.store);
      try {
        await fixture.store.rpc('pricing_stage_chunk', {
          p_run_id: runId,
          p_provider: 'alibaba-cloud',
          p_chunk_no: 0,
          p_rows: [],
        });
        await expect(
          fixture.store.rpc('pricing_touch_provider', {
            p_run_id: runId,
            p_provider: 'alibaba-cloud',
            p_catalog_hash: null,
            p_held: { count: 0, changes: [] },
          }),
        ).rejects.toThrow(/rows are staged for run/);
      } finally {
        await fixture.store.finishRun(runId, 'success', { providers: {} }, null);
      }
    });

    it('stores how many changes are held though the list is shortened, and keeps them while the provider fails', async () => {
      const runId = await holdLease(fixture.store);
      await applyRecords(fixture.store, runId, [], {
        provider: 'nearai',
        held: [{ model_id: 'x' }],
        heldCount: 150,
      });
      await fixture.store.finishRun(
        runId,
        'partial',
        { providers: { nearai: { applied: true, counts: { held: 150 }, error: null } } },
        null,
      );
      const held = () =>
        fixture.store.readProviders().then((rows) => rows.find((row) => row.provider === 'nearai'));
      expect(await held()).toMatchObject({ heldCount: 150, heldChanges: [{ model_id: 'x' }] });

      const failed = await holdLease(fixture.store);
      await fixture.store.finishRun(
        failed,
        'failed',
        {
          providers: {
            nearai: {
              applied: false,
              counts: {},
              error: { reason: 'http', message: 'HTTP 500' },
              held_changes: [],
            },
          },
        },
        null,
      );
      expect(await held()).toMatchObject({
        heldCount: 150,
        heldChanges: [{ model_id: 'x' }],
        lastErrorReason: 'http',
      });
    });

    it('reads each provider with models or a row: its last success, and a failing streak from its first failure to its next success', async () => {
      const freshness = async (provider: string) =>
        (await fixture.store.readFreshness()).providers.find((row) => row.provider === provider);
      const finish = async (error: { reason: string; message: string } | null) => {
        const runId = await holdLease(fixture.store);
        const applied = error === null;
        if (applied) {
          await applyRecords(fixture.store, runId, [], { provider: 'freshness-probe' });
        }
        await fixture.store.finishRun(
          runId,
          applied ? 'success' : 'failed',
          { providers: { 'freshness-probe': { applied, counts: {}, error, held_changes: [] } } },
          null,
        );
      };
      await finish(null);
      const synced = (await freshness('freshness-probe'))!;
      expect(synced).toMatchObject({ failingSince: null, lastErrorReason: null });
      expect(synced.lastSuccessAt).not.toBeNull();

      await finish({ reason: 'http', message: 'HTTP 500' });
      const failing = (await freshness('freshness-probe'))!;
      expect(failing.failingSince).not.toBeNull();
      expect(failing.lastSuccessAt).toBe(synced.lastSuccessAt);
      await finish({ reason: 'timeout', message: 'too slow' });
      expect((await freshness('freshness-probe'))!.failingSince).toBe(failing.failingSince);

      await finish(null);
      expect(await freshness('freshness-probe')).toMatchObject({ failingSince: null, lastErrorReason: null });
      const { now } = await fixture.store.readFreshness();
      expect(Date.parse(now)).not.toBeNaN();
    });

    it('pages the prices in force as one jsonb per call and bumps the price version only when a row changes', async () => {
      const records = manyRecords(2_500, 'alibaba-cloud');
      const versionNow = async () => (await fixture.store.readPrices({ limit: 1 })).version;
      const start = await versionNow();
      const first = await holdLease(fixture.store);
      await applyRecords(fixture.store, first, records, { provider: 'alibaba-cloud' });
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      const afterApply = await versionNow();
      expect(BigInt(afterApply)).toBeGreaterThan(BigInt(start));

      // The same rows again: the upsert runs and writes nothing, so the version stays.
      const second = await holdLease(fixture.store);
      await applyRecords(fixture.store, second, records, { provider: 'alibaba-cloud' });
      await fixture.store.finishRun(second, 'success', { providers: {} }, null);
      expect(await versionNow()).toBe(afterApply);
      expect(
        await fixture.store.readPrices({
          providers: ['alibaba-cloud'],
          limit: 1000,
          knownVersion: afterApply,
        }),
      ).toMatchObject({ notModified: true, prices: [] });

      // More rows than PostgREST's 1,000-row cap, in pages of 1,000: each page is one jsonb value.
      const seen: string[] = [];
      let after: [string, string] | null = null;
      for (let page = 0; page < 10; page += 1) {
        const result = await fixture.store.readPrices({ providers: ['alibaba-cloud'], after, limit: 1000 });
        seen.push(...result.prices.map((price) => price.model_id));
        after = result.next;
        if (!after) break;
      }
      // Other tests store a few alibaba-cloud models too: every row once, in order, ours all there.
      expect(seen).toEqual([...new Set(seen)].sort());
      expect(seen.filter((id) => id.startsWith('org-'))).toEqual(
        records.map((record) => record.modelId).sort(),
      );
      const one = await fixture.store.readPrices({
        providers: ['alibaba-cloud'],
        modelId: records[0]!.modelId,
        limit: 5,
      });
      expect(one.prices).toEqual([
        expect.objectContaining({
          provider: 'alibaba-cloud',
          model_id: records[0]!.modelId,
          state: 'active',
          input_price_per_1m_tokens: records[0]!.inputUsdPerMillionTokens,
          output_price_per_1m_tokens: records[0]!.outputUsdPerMillionTokens,
          context_length: records[0]!.contextLength,
          pinned: false,
        }),
      ]);

      // A model marked missing is a visible change: the version moves.
      const third = await holdLease(fixture.store);
      await applyRecords(fixture.store, third, [], {
        provider: 'alibaba-cloud',
        missing: [records[1]!.modelId],
      });
      await fixture.store.finishRun(third, 'success', { providers: {} }, null);
      expect(BigInt(await versionNow())).toBeGreaterThan(BigInt(afterApply));
    });

    it('stores LiteLLM entries and reads them, for listed models only, with every active price', async () => {
      const runId = await holdLease(fixture.store);
      await applyRecords(
        fixture.store,
        runId,
        [
          priceRecord('map/listed', '1.5', '2', { provider: 'litellm' }),
          priceRecord('map/vanished', '1', '1', { provider: 'litellm' }),
        ],
        { provider: 'litellm' },
      );
      await applyRecords(fixture.store, runId, [], { provider: 'litellm', missing: ['map/vanished'] });
      const entries = {
        'map/listed': { mode: 'chat', supports_vision: true, input_cost_per_token: 1.5e-6, max_tokens: 8192 },
        'map/vanished': { mode: 'chat' },
        'map/never-stored': { mode: 'embedding' },
      };
      const writeEntries = async () => {
        const staged = await fixture.store.stageLiteLlmEntries(runId, entries);
        const result = await applyRecords(fixture.store, runId, [], {
          provider: 'litellm',
          liteLlmEntries: { staged, heldModelIds: [] },
        });
        return 'entriesWritten' in result ? result.entriesWritten : null;
      };
      expect(await writeEntries()).toBe(3);
      expect(await writeEntries()).toBe(0);
      await fixture.store.finishRun(runId, 'success', { providers: {} }, null);
      await expect(writeEntries()).rejects.toThrow(/lease/);

      const map = await fixture.store.readLiteLlmMap(null);
      expect(map.entries['map/listed']).toEqual(entries['map/listed']);
      expect(map.entries).not.toHaveProperty('map/vanished');
      expect(map.entries).not.toHaveProperty('map/never-stored');
      expect(map.prices).toContainEqual({
        provider: 'litellm',
        modelId: 'map/listed',
        inputUsdPerMillionTokens: '1.5',
        outputUsdPerMillionTokens: '2',
        cacheReadUsdPerMillionTokens: null,
        cacheWriteUsdPerMillionTokens: null,
        requestUsd: null,
        imageUsd: null,
        contextLength: null,
        extraPrices: {},
        tiers: [],
      });
      expect(map.prices.some((price) => price.modelId === 'map/vanished')).toBe(false);
      expect(await fixture.store.readLiteLlmMap(map.version)).toMatchObject({
        notModified: true,
        entries: {},
      });
    });
  },
);
