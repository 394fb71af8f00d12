import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { tableHash } from '../support/test-database.js';
import { APPLY_CHUNK_ROWS } from '../../lib/db/pricing-store.js';

/** A small cost map: litellm takes every entry, alibaba-cloud the dashscope/* ones. */
function costMap(mode: string): Record<string, unknown> {
  return {
    sample_spec: { input_cost_per_token: 0, output_cost_per_token: 0, mode: 'one of: chat, embedding' },
    'acme-chat': {
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
      max_input_tokens: 200000,
      mode,
    },
    'acme-embed': { input_cost_per_token: 1e-7, mode: 'embedding' },
    'dashscope/qwen-plus': { input_cost_per_token: 4e-7, output_cost_per_token: 1.2e-6, mode: 'chat' },
  };
}

describe('syncing the LiteLLM cost map (entries staged, hash stored after the commit)', () => {
  let harness: SyncHarness;
  const query = async <Row extends Record<string, unknown>>(sql: string) =>
    (await harness.database.admin.query<Row>(sql)).rows;
  /** The catalog-hash part of the stored fingerprint (lib/sync/catalog-fingerprint.ts). */
  const litellmHash = async () =>
    (
      await query<{ hash: string | null }>(
        `select split_part(catalog_hash, ' ', 1) as hash from pricing_providers where provider = 'litellm'`,
      )
    )[0]?.hash;
  const entries = async () =>
    Object.fromEntries(
      (
        await query<{ model_id: string; entry: unknown }>(
          'select model_id, entry from pricing_litellm_entries',
        )
      ).map((row) => [row.model_id, row.entry]),
    );

  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'litellm,alibaba-cloud' });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('writes the entries with the provider and stores its hash, so that the same map next time writes nothing', async () => {
    harness.replay.setScenario('litellm', { body: costMap('chat') });
    const first = await harness.sync();
    expect(first.code).toBe(0);
    expect(Object.keys(await entries()).sort()).toEqual(['acme-chat', 'acme-embed', 'dashscope/qwen-plus']);
    const hash = await litellmHash();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await query('select * from pricing_litellm_entries_stage')).toEqual([]);

    const tables = async () => [
      await tableHash(harness.database.admin, 'model_pricing'),
      await tableHash(harness.database.admin, 'pricing_litellm_entries'),
    ];
    const before = await tables();
    const second = await harness.sync();
    expect(second.code).toBe(0);
    expect(await tables()).toEqual(before);
    expect(await litellmHash()).toBe(hash);
    expect(await query('select * from pricing_litellm_entries_stage')).toEqual([]);
  });

  it('writes an entry whose prices stayed the same but whose other keys changed, and a new hash', async () => {
    const hash = await litellmHash();
    harness.replay.setScenario('litellm', { body: costMap('completion') });
    expect((await harness.sync()).code).toBe(0);
    expect((await entries())['acme-chat']).toMatchObject({ mode: 'completion' });
    expect(await litellmHash()).not.toBe(hash);
    expect(await litellmHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports the provider applied when its hash cannot be stored after the commit; the next run diffs', async () => {
    const admin = harness.database.admin;
    const [original] = (
      await admin.query<{ definition: string }>(
        `select pg_get_functiondef('public.pricing_set_catalog_hash(bigint, text, text)'::regprocedure) as definition`,
      )
    ).rows;
    await admin.query(`create or replace function public.pricing_set_catalog_hash(p_run_id bigint, p_provider text, p_catalog_hash text)
      returns jsonb language plpgsql as $$ begin raise exception 'hash store down'; end $$`);
    try {
      harness.replay.setScenario('litellm', { body: costMap('embedding') });
      // Forced, so no shortcut could use the hash before the commit: it is computed while Postgres
      // commits and stored after, by the call that now fails.
      const run = await harness.sync(['--force']);
      expect(run.code).toBe(0);
      expect((await entries())['acme-chat']).toMatchObject({ mode: 'embedding' });
      const [status] = await query<{ status: string; litellm: string }>(
        `select status, results -> 'providers' -> 'litellm' ->> 'outcome' as litellm
           from pricing_sync_runs order by id desc limit 1`,
      );
      expect(status).toEqual({ status: 'success', litellm: 'applied' });
      // The commit stored no hash (it came later and failed): the next run diffs, and writes nothing.
      expect(await litellmHash()).toBeNull();
    } finally {
      await admin.query(original!.definition);
    }
  });
  it('fails only litellm, recorded with reason store, when staging its entries fails; the others apply', async () => {
    const admin = harness.database.admin;
    const [original] = (
      await admin.query<{ definition: string }>(
        `select pg_get_functiondef('public.pricing_stage_litellm_entries(bigint, integer, jsonb)'::regprocedure) as definition`,
      )
    ).rows;
    await admin.query(`create or replace function public.pricing_stage_litellm_entries(p_run_id bigint, p_chunk_no integer, p_entries jsonb)
      returns jsonb language plpgsql as $$ begin raise exception 'staging down'; end $$`);
    try {
      const before = await entries();
      // More entries than one staging call takes: the first chunk is sent while fetched.
      const many = Object.fromEntries(
        Array.from({ length: APPLY_CHUNK_ROWS + 1 }, (_, index) => [
          `acme-bulk-${index}`,
          { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, mode: 'chat' },
        ]),
      );
      harness.replay.setScenario('litellm', { body: { ...costMap('completion'), ...many } });
      // Forced and changed: the entries are staged as soon as the map is fetched, long before
      // litellm's turn to apply, which is where the failure is recorded.
      const run = await harness.sync(['--force']);
      // Partial: exit 2.
      expect(run.code).toBe(2);
      const [recorded] = await query<{ status: string; litellm: unknown; alibaba: string }>(
        `select status, results -> 'providers' -> 'litellm' -> 'error' as litellm,
                results -> 'providers' -> 'alibaba-cloud' ->> 'outcome' as alibaba
           from pricing_sync_runs order by id desc limit 1`,
      );
      expect(recorded).toEqual({
        status: 'partial',
        litellm: expect.objectContaining({
          reason: 'store',
          message: expect.stringContaining('staging down'),
        }),
        alibaba: 'applied',
      });
      expect(await entries()).toEqual(before);
    } finally {
      await admin.query(original!.definition);
    }
  });
});
