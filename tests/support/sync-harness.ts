import { runSyncCommand } from '../../dev/cli/sync-command.js';
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
