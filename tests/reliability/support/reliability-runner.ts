import { Writable } from 'node:stream';
import { createLogger } from '../../../lib/logging/logger.js';
import { startLocalRunner, type LocalRunner } from '../../../dev/local/local-runner.js';
import { startReplayServer, type ReplayServer } from '../../../dev/replay/replay-server.js';
import { ADMIN_KEY, CRON_SECRET } from '../../support/function-harness.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

export { ADMIN_KEY, CRON_SECRET };

/** Provider keys the replay server receives; they must never come back in logs or answers. */
export const PROVIDER_KEYS = {
  OPENROUTER_API_KEY: 'sk-or-reliability-openrouter-7f3a9c',
  NEARAI_API_KEY: 'near-reliability-key-51d2e8',
};

export interface ReliabilityRunner {
  runner: LocalRunner;
  replay: ReplayServer;
  /** Null when the runner was pointed at a database URL of the caller's. */
  database: TestDatabase | null;
  /** Every log line the runner wrote, as written. */
  logs: string[];
  url: string;
  admin: Record<string, string>;
  /** POST /admin/pricing/scheduler/trigger with the admin key; the status and JSON body. */
  trigger(body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * The local runner (the functions under api/, over real HTTP on 127.0.0.1, no emulated cron) on a
 * fresh test database, or on `databaseUrl`, with the replay server standing in for the providers.
 */
export async function startReliabilityRunner(
  options: {
    env?: Record<string, string | undefined>;
    databaseUrl?: string;
    replaySize?: number;
  } = {},
): Promise<ReliabilityRunner> {
  const database = options.databaseUrl ? null : await createTestDatabase();
  const replay = await startReplayServer({ defaults: { size: options.replaySize ?? 30 } });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const env: Record<string, string | undefined> = {
    ...replay.baseUrls,
    ...PROVIDER_KEYS,
    DATABASE_URL: options.databaseUrl ?? database!.url,
    PRICING_SYNC_PROVIDERS: 'openrouter,nearai',
    ADMIN_API_KEY: ADMIN_KEY,
    CRON_SECRET,
    LOCAL_CRON: 'off',
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const runner = await startLocalRunner({
    env,
    port: 0,
    logger: createLogger({ level: 'info', destination }),
  });
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  return {
    runner,
    replay,
    database,
    logs,
    url: runner.url,
    admin,
    async trigger(body) {
      const response = await fetch(`${runner.url}/admin/pricing/scheduler/trigger`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async close() {
      await runner.close();
      await replay.close();
      await database?.drop();
    },
  };
}
