import { Writable } from 'node:stream';
import { createAppContext, setAppContext, type AppContext } from '../../lib/app/app-context.js';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import { createLogger } from '../../lib/logging/logger.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { postgresStore } from './test-store.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const OPS_KEY = 'test-ops-key-9876543210';
export const CRON_SECRET = 'test-cron-secret-abcdef';

export interface FunctionHarness {
  database: TestDatabase;
  replay: ReplayServer;
  store: PricingStore;
  env: Record<string, string | undefined>;
  /** JSON log lines written since the last `configure`. */
  logs: { msg: string; [key: string]: unknown }[];
  /** Rebuilds the functions' context with these env overrides (undefined removes a variable). */
  configure(overrides?: Record<string, string | undefined>): AppContext;
  close(): Promise<void>;
}

/** The functions' context over a real database and the replay server, as the handlers see it. */
export async function startFunctionHarness(): Promise<FunctionHarness> {
  const database = await createTestDatabase();
  const replay = await startReplayServer({ defaults: { size: 30 } });
  const store = postgresStore(database.url);
  const env: Record<string, string | undefined> = {
    ...replay.baseUrls,
    PRICING_SYNC_PROVIDERS: 'openrouter,nearai',
    PRICING_SYNC_LEASE_SECONDS: '5',
    ADMIN_API_KEY: ADMIN_KEY,
    ADMIN_API_KEYS: `ops:${OPS_KEY}`,
    CRON_SECRET,
  };
  const logs: FunctionHarness['logs'] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const harness: FunctionHarness = {
    database,
    replay,
    store,
    env,
    logs,
    configure(overrides = {}) {
      const merged = { ...env, ...overrides };
      for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete merged[name];
      logs.length = 0;
      const context = createAppContext({
        env: merged,
        store,
        logger: createLogger({ level: 'info', destination }),
      });
      setAppContext(context);
      return context;
    },
    async close() {
      setAppContext(null);
      await store.close();
      await replay.close();
      await database.drop();
    },
  };
  harness.configure();
  return harness;
}

export function request(path: string, init: RequestInit & { key?: string } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
  return new Request(`http://localhost${path}`, { ...init, headers });
}
