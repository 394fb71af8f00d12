import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openRouterBody, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { tableHash, tableWrites } from '../support/test-database.js';

const PRICE_TABLES = ['model_pricing', 'model_pricing_history'];

describe('a sync run end to end (npm run sync code path, embedded Postgres, replay server)', () => {
  let harness: SyncHarness;
  const query = async <Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await harness.database.admin.query<Row>(sql, params)).rows;
  const openrouter = (models: [string, string, string][]) =>
    harness.replay.setScenario('openrouter', { body: openRouterBody(models) });
  const baseline: [string, string, string][] = [
    ['acme/model-1', '0.000003', '0.000015'],
    ['acme/model-2', '0.0000007', '0.0000028'],
    ['acme/model-3', '0.00000045', '0.0000018'],
    ['acme/model-4', '0.000001', '0.000002'],
  ];

  beforeAll(async () => {
    harness = await startSyncHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.replay.setScenario('all', {});
    openrouter(baseline);
  });

  it('adds everything on the first run, with exact prices per 1M', async () => {
    const result = await harness.sync();
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/run \d+: success/);
    const rows = await query<{ model_id: string; input: string; output: string; state: string }>(
      `select model_id, input_price_per_1m_tokens::text as input, output_price_per_1m_tokens::text as output, state
         from model_pricing where provider = 'openrouter' order by model_id`,
    );
    expect(rows).toEqual([
      { model_id: 'acme/model-1', input: '3', output: '15', state: 'active' },
      { model_id: 'acme/model-2', input: '0.7', output: '2.8', state: 'active' },
      { model_id: 'acme/model-3', input: '0.45', output: '1.8', state: 'active' },
      { model_id: 'acme/model-4', input: '1', output: '2', state: 'active' },
    ]);
    const nearai = await query<{ n: string }>(
      `select count(*)::text as n from model_pricing where provider = 'nearai'`,
    );
    expect(Number(nearai[0]?.n)).toBeGreaterThan(0);
    const history = await query<{ n: string }>(
      `select count(*)::text as n from model_pricing_history where kind = 'added'`,
    );
    expect(history[0]?.n).toBe(String(4 + Number(nearai[0]?.n)));
  });

  it('writes nothing on a second run over the same catalogs', async () => {
    const hashes = async () => [
      await tableHash(harness.database.admin, 'model_pricing'),
      await tableHash(harness.database.admin, 'model_pricing_history'),
    ];
    const before = await hashes();
    const writesBefore = await tableWrites(harness.database, PRICE_TABLES);
    const result = await harness.sync();
    expect(result.code).toBe(0);
    expect(await tableWrites(harness.database, PRICE_TABLES)).toBe(writesBefore);
    expect(await hashes()).toEqual(before);
  });

  it('appends exactly one history row with old and new prices for a price change', async () => {
    const historyBefore = await query<{ n: string }>('select count(*)::text as n from model_pricing_history');
    openrouter([['acme/model-1', '0.0000025', '0.000015'], ...baseline.slice(1)]);
    expect((await harness.sync()).code).toBe(0);
    const history = await query<{ model_id: string; kind: string; old_input: string; new_input: string }>(
      `select model_id, kind, old_input_price_per_1m_tokens::text as old_input, new_input_price_per_1m_tokens::text as new_input
         from model_pricing_history order by id desc limit 1`,
    );
    expect(history).toEqual([
      { model_id: 'acme/model-1', kind: 'changed', old_input: '3', new_input: '2.5' },
    ]);
    const historyAfter = await query<{ n: string }>('select count(*)::text as n from model_pricing_history');
    expect(Number(historyAfter[0]?.n)).toBe(Number(historyBefore[0]?.n) + 1);

    // The seed's verification query (step 2.5), as written.
    await query(`update model_pricing set updated_at = now() - interval '2 hours'`);
    await query(`update model_pricing set updated_at = now() where false`);
    openrouter([['acme/model-1', '0.000002', '0.000015'], ...baseline.slice(1)]);
    expect((await harness.sync()).code).toBe(0);
    const seed = await query<{ model_id: string; input_price_per_1m_tokens: string }>(`
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
    expect(seed.map((row) => [row.model_id, row.input_price_per_1m_tokens])).toEqual([['acme/model-1', '2']]);
  });

  it('marks a vanished model missing, and restores it when it comes back', async () => {
    const without = [['acme/model-1', '0.000002', '0.000015'], baseline[2]!, baseline[3]!] as [
      string,
      string,
      string,
    ][];
    openrouter(without);
    expect((await harness.sync()).code).toBe(0);
    const gone = await query<{ state: string; missing: boolean; input: string }>(
      `select state, missing_since is not null as missing, input_price_per_1m_tokens::text as input
         from model_pricing where model_id = 'acme/model-2'`,
    );
    expect(gone).toEqual([{ state: 'missing', missing: true, input: '0.7' }]);

    openrouter([...without, baseline[1]!]);
    const result = await harness.sync();
    expect(result.code).toBe(0);
    const back = await query<{ state: string; missing: boolean }>(
      `select state, missing_since is not null as missing from model_pricing where model_id = 'acme/model-2'`,
    );
    expect(back).toEqual([{ state: 'active', missing: false }]);
    const kinds = await query<{ kind: string }>(
      `select kind from model_pricing_history where model_id = 'acme/model-2' order by id`,
    );
    expect(kinds.map((row) => row.kind)).toEqual(['added', 'missing', 'restored']);
  });

  it('holds an empty catalog and a halved one, and --force applies them', async () => {
    const current = [['acme/model-1', '0.000002', '0.000015'], ...baseline.slice(1)] as [
      string,
      string,
      string,
    ][];
    const pricesBefore = await tableHash(harness.database.admin, 'model_pricing');
    openrouter([]);
    const empty = await harness.sync();
    expect(empty.code).toBe(2);
    const run = await query<{
      status: string;
      results: { providers: Record<string, { outcome: string; held_changes: { reason: string }[] }> };
    }>('select status, results from pricing_sync_runs order by id desc limit 1');
    expect(run[0]?.status).toBe('partial');
    expect(run[0]?.results.providers.openrouter).toMatchObject({
      outcome: 'held',
      held_changes: [{ reason: 'empty_catalog' }],
    });

    openrouter(current.slice(0, 1));
    const halved = await harness.sync();
    expect(halved.code).toBe(2);
    const held = await query<{
      results: { providers: Record<string, { held_changes: { reason: string }[] }> };
    }>('select results from pricing_sync_runs order by id desc limit 1');
    expect(held[0]?.results.providers.openrouter?.held_changes[0]?.reason).toBe('catalog_shrank');
    expect(await tableHash(harness.database.admin, 'model_pricing')).toBe(pricesBefore);
    const providerRow = await query<{ held_count: number }>(
      `select held_count from pricing_providers where provider = 'openrouter'`,
    );
    expect(providerRow[0]?.held_count).toBe(1);

    const forced = await harness.sync(['--force', '--providers', 'openrouter']);
    expect(forced.code).toBe(0);
    const states = await query<{ model_id: string; state: string }>(
      `select model_id, state from model_pricing where provider = 'openrouter' order by model_id`,
    );
    expect(states.map((row) => row.state)).toEqual(['active', 'missing', 'missing', 'missing']);
    const forcedRun = await query<{ forced: boolean; triggered_by: string; trigger: string }>(
      'select forced, triggered_by, trigger from pricing_sync_runs order by id desc limit 1',
    );
    expect(forcedRun[0]).toMatchObject({ forced: true, trigger: 'cli' });
    expect(forcedRun[0]?.triggered_by).toBeTruthy();
    openrouter(baseline);
    expect((await harness.sync(['--force'])).code).toBe(0);
  });

  it('holds only the model whose price swings more than 10x, and --force applies it', async () => {
    openrouter([
      ['acme/model-1', '0.00003001', '0.000015'],
      ['acme/model-2', '0.0000008', '0.0000028'],
      ...baseline.slice(2),
    ]);
    const result = await harness.sync();
    // A model-level hold is not a failure: the run is a success with the hold beside it (exit 0).
    expect(result.code).toBe(0);
    const status = await query<{ status: string }>(
      'select status from pricing_sync_runs order by id desc limit 1',
    );
    expect(status[0]?.status).toBe('success');
    const prices = await query<{ model_id: string; input: string }>(
      `select model_id, input_price_per_1m_tokens::text as input from model_pricing
        where model_id in ('acme/model-1', 'acme/model-2') order by model_id`,
    );
    expect(prices).toEqual([
      { model_id: 'acme/model-1', input: '3' },
      { model_id: 'acme/model-2', input: '0.8' },
    ]);
    const run = await query<{ results: { providers: { openrouter: { held_changes: unknown[] } } } }>(
      'select results from pricing_sync_runs order by id desc limit 1',
    );
    expect(run[0]?.results.providers.openrouter.held_changes).toEqual([
      expect.objectContaining({
        scope: 'model',
        reason: 'price_swing',
        model_id: 'acme/model-1',
        old: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '3',
          output_price_per_1m_tokens: '15',
        }),
        new: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '30.01',
          output_price_per_1m_tokens: '15',
        }),
      }),
    ]);

    expect((await harness.sync(['--force'])).code).toBe(0);
    const forced = await query<{ input: string }>(
      `select input_price_per_1m_tokens::text as input from model_pricing where model_id = 'acme/model-1'`,
    );
    expect(forced).toEqual([{ input: '30.01' }]);
  });

  it('is partial with the error when one provider answers 500, and failed (exit 1) when all fail', async () => {
    harness.replay.setScenario('nearai', { failFirst: 1000, errorStatus: 500 });
    const partial = await harness.sync();
    expect(partial.code).toBe(2);
    expect(partial.err).toMatch(/nearai: failed \(http\)/);
    const run = await query<{
      status: string;
      results: { providers: { nearai: { error: { reason: string; message: string } } } };
    }>('select status, results from pricing_sync_runs order by id desc limit 1');
    expect(run[0]?.status).toBe('partial');
    expect(run[0]?.results.providers.nearai.error.reason).toBe('http');
    expect(run[0]?.results.providers.nearai.error.message).toMatch(/500/);

    harness.replay.setScenario('openrouter', { failFirst: 1000, errorStatus: 503 });
    harness.replay.setScenario('nearai', { failFirst: 1000, errorStatus: 500 });
    const failed = await harness.sync();
    expect(failed.code).toBe(1);
    const last = await query<{ status: string }>(
      'select status from pricing_sync_runs order by id desc limit 1',
    );
    expect(last[0]?.status).toBe('failed');
    const lease = await query<{ run_id: string | null }>('select run_id from pricing_sync_lease');
    expect(lease[0]?.run_id).toBeNull();
  });

  it('gives up a hanging provider at the deadline as a timeout while the others apply', async () => {
    harness.replay.setScenario('openrouter', { hang: true });
    harness.replay.setScenario('nearai', { size: 41 });
    const result = await harness.sync([], { PRICING_SYNC_DEADLINE_SECONDS: '2' });
    expect(result.code).toBe(2);
    const run = await query<{
      results: { providers: Record<string, { outcome: string; error: { reason: string } | null }> };
    }>('select results from pricing_sync_runs order by id desc limit 1');
    expect(run[0]?.results.providers.openrouter).toMatchObject({
      outcome: 'failed',
      error: { reason: 'timeout' },
    });
    expect(run[0]?.results.providers.nearai).toMatchObject({ outcome: 'applied', error: null });
  });

  it('changes no table content on a dry run, and reports the changes it would make', async () => {
    const tables = ['model_pricing', 'model_pricing_history', 'pricing_providers'];
    const before = await Promise.all(tables.map((table) => tableHash(harness.database.admin, table)));
    openrouter([['acme/model-1', '0.000004', '0.000015'], ...baseline.slice(1)]);
    const result = await harness.sync(['--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('dry run: nothing written');
    expect(await Promise.all(tables.map((table) => tableHash(harness.database.admin, table)))).toEqual(
      before,
    );
    const run = await query<{
      dry_run: boolean;
      results: { providers: { openrouter: { changes: unknown[] } } };
    }>('select dry_run, results from pricing_sync_runs order by id desc limit 1');
    expect(run[0]?.dry_run).toBe(true);
    expect(run[0]?.results.providers.openrouter.changes).toContainEqual({
      model_id: 'acme/model-1',
      kind: 'changed',
      old: expect.objectContaining({
        state: 'active',
        input_price_per_1m_tokens: '30.01',
        output_price_per_1m_tokens: '15',
      }),
      new: expect.objectContaining({
        state: 'active',
        input_price_per_1m_tokens: '4',
        output_price_per_1m_tokens: '15',
      }),
    });
  });

  it('lets exactly one of two overlapping runs go, and refuses the other (exit 1)', async () => {
    harness.replay.setScenario('all', { latencyMs: 1_500 });
    openrouter(baseline);
    harness.replay.setScenario('openrouter', { body: openRouterBody(baseline), latencyMs: 1_500 });
    const results = await Promise.all([harness.sync(), harness.sync()]);
    const refused = results.filter((result) => /another run holds the lease: run \d+/.test(result.err));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.code).toBe(1);
    const ran = results.find((result) => !refused.includes(result));
    expect(ran?.out).toMatch(/run \d+: (success|partial)/);
    const running = await query<{ n: string }>(
      `select count(*)::text as n from pricing_sync_runs where status = 'running'`,
    );
    expect(running[0]?.n).toBe('0');
  });

  it('reports the counts the database committed: per kind, the history rows the run appended', async () => {
    const countsMatchHistory = async () => {
      const [run] = await query<{
        id: string;
        results: { providers: Record<string, { counts: Record<string, number> }> };
      }>('select r.id::text as id, r.results from pricing_sync_runs r order by r.id desc limit 1');
      const history = await query<{ provider: string; kind: string; n: number }>(
        `select provider, kind, count(*)::int as n from model_pricing_history where run_id = $1
          group by provider, kind`,
        [run!.id],
      );
      const kinds = ['added', 'changed', 'restored', 'missing'];
      for (const [provider, result] of Object.entries(run!.results.providers)) {
        const written = Object.fromEntries(
          kinds.map((kind) => [
            kind,
            history.find((row) => row.provider === provider && row.kind === kind)?.n ?? 0,
          ]),
        );
        expect({ provider, ...written }).toEqual({
          provider,
          ...Object.fromEntries(kinds.map((kind) => [kind, result.counts[kind]])),
        });
      }
      return run!.results.providers.openrouter!.counts;
    };
    const settle = await harness.sync(['--force']);
    expect(settle.code, settle.out + settle.err).toBe(0);
    await countsMatchHistory();
    openrouter([
      ['acme/model-1', '0.0000031', '0.000015'],
      ...baseline.slice(2),
      ['acme/model-5', '0.000001', '0.000002'],
    ]);
    expect((await harness.sync()).code).toBe(0);
    expect(await countsMatchHistory()).toMatchObject({ added: 1, changed: 1, missing: 1, restored: 0 });
    openrouter(baseline);
    expect((await harness.sync()).code).toBe(0);
    expect(await countsMatchHistory()).toMatchObject({ added: 0, changed: 1, missing: 1, restored: 1 });
  });
});
