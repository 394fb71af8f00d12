import { createAppContext, setAppContext, type AppContext } from '../../lib/app/app-context.js';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import { createLogger } from '../../lib/logging/logger.js';
import { shiftDecimal } from '../../lib/money/decimal.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { ADMIN_KEY, request } from '../support/function-harness.js';
import { openRouterBody } from '../support/sync-harness.js';
import type { TestDatabase } from '../support/test-database.js';
import { openTestStore, type TestStoreKind } from '../support/test-store.js';

export type AdapterKind = TestStoreKind;

/** An endpoint's JSON answer as the tests read it: assertions look into any field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnswerBody = Record<string, any>;

type Route = Partial<Record<string, (request: Request) => Promise<Response>>>;

/**
 * The operator endpoints over a real database (node-postgres, or supabase-js through the PostgREST
 * emulation) and a real replay server standing in for OpenRouter, with the sync engine as the
 * functions run it.
 */
export interface OperatorFixture {
  /** The embedded Postgres database (null for PGlite, which is its own database). */
  database: TestDatabase | null;
  replay: ReplayServer;
  store: PricingStore;
  context: AppContext;
  /** OpenRouter lists exactly these models: [id, input USD per 1M, output USD per 1M]. */
  feed(models: [string, string, string][], options?: { latencyMs?: number }): void;
  sync(options?: { force?: boolean; dryRun?: boolean }): ReturnType<AppContext['sync']>;
  /** Calls a function under api/ the way Vercel would; returns status and parsed JSON. */
  call(
    route: Route,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: AnswerBody }>;
  /** SQL as a superuser on the same database, for looking at the tables from outside the code under test. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** What model_pricing holds for a model: [state, input, output] as decimal text. */
  stored(modelId: string): Promise<[string, string | null, string | null] | null>;
  /** Every price column of every model row, to compare before and after. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

export async function startOperatorFixture(kind: AdapterKind): Promise<OperatorFixture> {
  const replay = await startReplayServer({ defaults: { size: 5 } });
  const opened = await openTestStore(kind);
  const { database, store, inspect: session } = opened;
  const query = async <Row>(sql: string, params: unknown[] = []) => ({
    rows: await session.query<Row>(sql, params),
  });
  const context = createAppContext({
    env: {
      ...replay.baseUrls,
      PRICING_SYNC_PROVIDERS: 'openrouter',
      PRICING_SYNC_LEASE_SECONDS: '30',
      ADMIN_API_KEY: ADMIN_KEY,
    },
    store,
    logger: createLogger({ level: 'silent' }),
  });
  setAppContext(context);
  return {
    database,
    replay,
    store,
    context,
    query,
    feed(models, options = {}) {
      replay.setScenario('openrouter', {
        latencyMs: options.latencyMs ?? 0,
        body: openRouterBody(
          models.map(([id, input, output]) => [id, shiftDecimal(input, -6), shiftDecimal(output, -6)]),
        ),
      });
    },
    sync(options = {}) {
      return context.sync({
        trigger: 'manual',
        triggeredBy: 'test',
        dryRun: options.dryRun ?? false,
        force: options.force ?? false,
      });
    },
    async call(route, method, path, body) {
      const handler = route[method];
      if (!handler) throw new Error(`no ${method} handler`);
      const response = await handler(
        request(path, {
          method,
          key: ADMIN_KEY,
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        }),
      );
      return { status: response.status, body: (await response.json()) as AnswerBody };
    },
    async stored(modelId) {
      const result = await query<{
        state: string;
        input: string | null;
        output: string | null;
      }>(
        `select state, trim_scale(input_price_per_1m_tokens)::text as input,
                trim_scale(output_price_per_1m_tokens)::text as output
           from public.model_pricing where provider = 'openrouter' and model_id = $1`,
        [modelId],
      );
      const row = result.rows[0];
      return row ? [row.state, row.input, row.output] : null;
    },
    async snapshot() {
      const result = await query<{ hash: string }>(
        `select md5(coalesce(string_agg(row(provider, model_id, state, input_price_per_1m_tokens,
                  output_price_per_1m_tokens, cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens,
                  request_price, image_price, extra_prices, pricing_tiers, context_length, alias_of)::text,
                  E'\\n' order by provider, model_id), '')) as hash
           from public.model_pricing`,
      );
      return result.rows[0]!.hash;
    },
    async close() {
      setAppContext(null);
      await opened.close();
      await replay.close();
    },
  };
}
