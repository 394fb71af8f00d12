import { runSyncCommand } from '../../dev/cli/sync-command.js';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import { createLogger } from '../../lib/logging/logger.js';
import type { ProviderSource } from '../../lib/providers/provider-source.js';
import { createProviderSources } from '../../lib/providers/registry.js';
import { runSync, type SyncSettings } from '../../lib/sync/run-sync.js';
import type { ProviderResult } from '../../lib/sync/sync-result.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** OpenRouter's `/models` body for hand-picked models: [id, prompt per token, completion per token]. */
export function openRouterBody(models: [string, string, string][]): { data: unknown[] } {
  return {
    data: models.map(([id, prompt, completion]) => ({
      id,
      name: id,
      context_length: 128000,
      pricing: { prompt, completion },
    })),
  };
}

export interface SyncHarness {
  database: TestDatabase;
  replay: ReplayServer;
  env: Record<string, string | undefined>;
  /** Runs `npm run sync`'s code path; returns the exit code and what it printed. */
  sync(args?: string[], env?: Record<string, string>): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

export async function startSyncHarness(env: Record<string, string> = {}): Promise<SyncHarness> {
  const database = await createTestDatabase();
  const replay = await startReplayServer({ defaults: { size: 40 } });
  const baseEnv = {
    ...replay.baseUrls,
    DATABASE_URL: database.url,
    PRICING_SYNC_PROVIDERS: 'openrouter,nearai',
    PRICING_SYNC_LEASE_SECONDS: '3',
    LOG_LEVEL: 'silent',
    ...env,
  };
  return {
    database,
    replay,
    env: baseEnv,
    async sync(args = [], extra = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runSyncCommand(
        args,
        { ...baseEnv, ...extra },
        {
          out: (line) => out.push(line),
          err: (line) => err.push(line),
        },
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
    async close() {
      await replay.close();
      await database.drop();
    },
  };
}

/** Options of one test sync. */
export interface SyncOptions {
  force?: boolean;
  dryRun?: boolean;
  settings?: Partial<SyncSettings>;
}

/**
 * One sync of the harness's providers through runSync, each source wrapped to record in `built`
 * every time its fetched bytes are normalized; the named provider's result.
 */
export async function syncCounting(
  harness: SyncHarness,
  store: PricingStore,
  built: string[],
  provider: string,
  options: SyncOptions = {},
): Promise<ProviderResult> {
  const counting = (source: ProviderSource): ProviderSource => ({
    ...source,
    async fetchSource(context) {
      const fetched = await source.fetchSource!(context);
      return { ...fetched, build: (options) => (built.push(source.slug), fetched.build(options)) };
    },
  });
  const outcome = await runSync(
    {
      store,
      sources: createProviderSources(harness.env).map(counting),
      settings: {
        leaseSeconds: 60,
        deadlineSeconds: 30,
        maxShrink: 0.5,
        maxPriceRatio: '10',
        ...options.settings,
      },
      logger: createLogger({ level: 'silent' }),
    },
    {
      trigger: 'manual',
      triggeredBy: 'test',
      dryRun: options.dryRun ?? false,
      force: options.force ?? false,
    },
  );
  if (outcome.kind !== 'finished') throw new Error('the test sync was refused the lease');
  return outcome.report.providers[provider] as ProviderResult;
}
