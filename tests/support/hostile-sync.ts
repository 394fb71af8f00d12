import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

/** A stored run as the hostile-feed tests read it. */
export type RunRow = {
  status: string;
  error: string | null;
  results: {
    providers: Record<
      string,
      {
        outcome: string;
        error: { reason: string; message: string } | null;
        counts: Record<string, number>;
        invalid_examples: { id: string | null; reason: string }[];
        held_changes: { reason: string; model_id?: string }[];
      }
    >;
  };
};

/** Three hundred ordinary models, `good/model-000` .. `good/model-299`, at 1 and 2 USD per 1M. */
export function goodModels(count = 300, prompt = '0.000001'): [string, string, string][] {
  return Array.from({ length: count }, (_, index) => [
    `good/model-${String(index).padStart(3, '0')}`,
    prompt,
    '0.000002',
  ]);
}

/**
 * An OpenRouter-only sync harness for a describe block (started before its tests, emptied of
 * prices before each), and what the hostile-feed tests look at: the last run, the lease, a price.
 */
export function useHostileSyncHarness() {
  let started: SyncHarness | null = null;
  const harness = (): SyncHarness => started!;
  const query = async <Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await harness().database.admin.query<Row>(sql, params)).rows;
  beforeAll(async () => {
    started = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'openrouter' });
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(async () => {
    harness().replay.setScenario('all', {});
    await query('truncate model_pricing, model_pricing_history, pricing_providers');
  });
  return {
    harness,
    query,
    openrouter: (items: unknown[]) => harness().replay.setScenario('openrouter', { body: { data: items } }),
    lastRun: async () =>
      (
        await query<RunRow>('select status, error, results from pricing_sync_runs order by id desc limit 1')
      )[0]!,
    leaseHolder: async () =>
      (await query<{ run_id: string | null }>('select run_id::text from pricing_sync_lease'))[0]?.run_id ??
      null,
    priceOf: async (modelId: string) =>
      (
        await query<{ state: string; input: string | null; output: string | null }>(
          `select state, input_price_per_1m_tokens::text as input, output_price_per_1m_tokens::text as output
             from model_pricing where provider = 'openrouter' and model_id = $1`,
          [modelId],
        )
      )[0] ?? null,
  };
}
