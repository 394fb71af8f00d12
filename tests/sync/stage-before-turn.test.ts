import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_CHUNK_ROWS } from '../../lib/db/pricing-store.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

// A provider stages its rows as soon as it is planned, before its turn to commit (run-sync.ts
// stagePlan). A staging failure must still fail that provider alone, recorded, with nothing of it
// written, and leave the other providers' turns to go on.
describe('a provider whose staging fails before its turn', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'featherless,nearai' });
    // More rows than one call takes: featherless stages a chunk; nearai commits inline.
    harness.replay.setScenario('featherless', { size: APPLY_CHUNK_ROWS + 500 });
    harness.replay.setScenario('nearai', { size: 50 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('fails that provider alone, with reason store and nothing written; the next run applies it', async () => {
    const admin = harness.database.admin;
    const [original] = (
      await admin.query<{ definition: string }>(
        `select pg_get_functiondef('public.pricing_stage_chunk(bigint, text, integer, jsonb)'::regprocedure) as definition`,
      )
    ).rows;
    await admin.query(`create or replace function public.pricing_stage_chunk(p_run_id bigint, p_provider text, p_chunk_no integer, p_rows jsonb)
      returns jsonb language plpgsql as $$ begin raise exception 'staging down'; end $$`);
    const count = async (provider: string) =>
      Number(
        (
          await admin.query<{ n: string }>(`select count(*) as n from model_pricing where provider = $1`, [
            provider,
          ])
        ).rows[0]!.n,
      );
    try {
      const run = await harness.sync();
      // Partial: exit 2.
      expect(run.code).toBe(2);
      const [recorded] = (
        await admin.query<{ status: string; featherless: unknown; nearai: string }>(
          `select status, results -> 'providers' -> 'featherless' -> 'error' as featherless,
                  results -> 'providers' -> 'nearai' ->> 'outcome' as nearai
             from pricing_sync_runs order by id desc limit 1`,
        )
      ).rows;
      expect(recorded).toEqual({
        status: 'partial',
        featherless: expect.objectContaining({
          reason: 'store',
          message: expect.stringContaining('staging down'),
        }),
        nearai: 'applied',
      });
      expect(await count('featherless')).toBe(0);
      expect(await count('nearai')).toBe(50);
    } finally {
      await admin.query(original!.definition);
    }
    const next = await harness.sync();
    expect(next.code).toBe(0);
    expect(await count('featherless')).toBe(APPLY_CHUNK_ROWS + 500);
  });
});
