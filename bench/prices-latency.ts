/**
 * `npx tsx bench/prices-latency.ts`: GET /prices and the LiteLLM map at 25,000 of our models plus a
 * LiteLLM-sized map (2,600 entries) and 200,000 history rows, and POST /prices/cost with 1,000
 * items, served by the local runner over embedded Postgres (127.0.0.1 only). Prints a table:
 * p50/p95 milliseconds and body sizes.
 */
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { startLocalRunner } from '../dev/local/local-runner.js';
import { createLogger } from '../lib/logging/logger.js';
import { generateLiteLlmCostMap } from '../dev/replay/generate-catalog.js';
import { startEmbeddedPostgres } from '../tests/support/embedded-server.js';
import { createBenchDatabase } from './bench-database.js';

const OUR_MODELS = 25_000;
const LITELLM_ENTRIES = 2_600;
const HISTORY_ROWS = 200_000;
const REQUESTS = 40;
const WARM_UP = 5;
export const MAP_PATH = '/prices/model_prices_and_context_window.json';
/** The env the local runner serves the price reads with. */
export const PRICE_READS_ENV = {
  PRICES_PUBLIC: 'true',
  PRICING_SYNC_PROVIDERS: 'openrouter,featherless,nearai,alibaba-cloud,litellm',
  LOCAL_CRON: 'off',
};
const COST_TOKEN = 'bench-prices-token-0123456789';

/** 1,000 usages of 1,000 distinct openrouter models (every 50th is `variable`: an item error). */
function costBody(): string {
  const items = Array.from({ length: 1000 }, (_, index) => {
    const g = 4 * (index + 1);
    return {
      provider: 'openrouter',
      model_id: `org-${g % 97}/model-${String(g).padStart(6, '0')}`,
      usage: { input_tokens: 1000 + index, output_tokens: 200 + index },
    };
  });
  return JSON.stringify({ items });
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export async function measure(url: string, headers: Record<string, string> = {}, requestBody?: string) {
  const durations: number[] = [];
  let bytes = 0;
  let status = 0;
  for (let index = 0; index < WARM_UP + REQUESTS; index += 1) {
    const started = performance.now();
    const response = await fetch(
      url,
      requestBody === undefined ? { headers } : { method: 'POST', headers, body: requestBody },
    );
    const body = await response.arrayBuffer();
    if (index >= WARM_UP) durations.push(performance.now() - started);
    bytes = body.byteLength;
    status = response.status;
  }
  return { status, bytes, p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) };
}

/** Our 25,000 models, a LiteLLM-sized map and 200,000 history rows, straight into the tables. */
export async function seedPriceReads(admin: pg.Client): Promise<void> {
  // Our providers' models, straight into the table (the sync is measured elsewhere).
  await admin.query(
    `insert into model_pricing (provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
                                cache_read_price_per_1m_tokens, context_length, source)
     select (array['openrouter','featherless','nearai','alibaba-cloud'])[1 + g % 4],
            'org-' || (g % 97) || '/model-' || lpad(g::text, 6, '0'),
            case when g % 50 = 0 then 'variable' else 'active' end,
            (g % 1000) / 7.0 + 0.000001, (g % 300) / 3.0 + 0.5, case when g % 3 = 0 then 0.075 end,
            4096 + (g % 8) * 1024, 'bench'
       from generate_series(1, $1) g`,
    [OUR_MODELS],
  );
  const costMap = generateLiteLlmCostMap({ seed: 7, size: LITELLM_ENTRIES });
  delete costMap.sample_spec;
  await admin.query(
    `insert into pricing_litellm_entries (model_id, entry) select key, value from jsonb_each($1::jsonb)`,
    [JSON.stringify(costMap)],
  );
  await admin.query(
    `insert into model_pricing (provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens, source)
     select 'litellm', key, 'active', 1.25, 10, 'bench' from jsonb_each($1::jsonb)`,
    [JSON.stringify(costMap)],
  );
  await admin.query(
    `insert into model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
     select 1, 'openrouter', 'org-1/model-' || lpad((g % ${OUR_MODELS})::text, 6, '0'), 'changed', 'active', '{}'::jsonb
       from generate_series(1, $1) g`,
    [HISTORY_ROWS],
  );
  await admin.query('analyze');
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
  console.log(`prices latency on ${machine}`);
  const server = await startEmbeddedPostgres();
  const database = await createBenchDatabase(server.url, 'bench_prices');
  try {
    await seedPriceReads(database.admin);

    const runner = await startLocalRunner({
      // POST /prices/cost needs a token even when the prices are public.
      env: { DATABASE_URL: database.url, ...PRICE_READS_ENV, PRICES_TOKEN: COST_TOKEN },
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const map = await measure(`${runner.url}${MAP_PATH}`);
      const etag = (await fetch(`${runner.url}${MAP_PATH}`)).headers.get('etag') ?? '';
      const map304 = await measure(`${runner.url}${MAP_PATH}`, { 'if-none-match': etag });
      const page = await measure(`${runner.url}/prices?limit=1000`);
      const bigPage = await measure(`${runner.url}/prices?limit=5000`);
      const filtered = await measure(`${runner.url}/prices?provider=nearai&state=active&limit=1000`);
      const cost = await measure(
        `${runner.url}/prices/cost`,
        { authorization: `Bearer ${COST_TOKEN}`, 'content-type': 'application/json' },
        costBody(),
      );
      const rows = [
        ['LiteLLM map (200)', map],
        ['LiteLLM map (304)', map304],
        ['/prices limit=1000', page],
        ['/prices limit=5000', bigPage],
        ['/prices nearai active', filtered],
        ['POST /prices/cost 1,000 items', cost],
      ] as const;
      console.log(
        `${OUR_MODELS} models + ${LITELLM_ENTRIES} LiteLLM entries, ${HISTORY_ROWS} history rows, ${REQUESTS} sequential requests each`,
      );
      console.log('| request | status | body bytes | p50 ms | p95 ms |');
      console.log('|---|---|---|---|---|');
      for (const [name, result] of rows) {
        console.log(
          `| ${name} | ${result.status} | ${result.bytes.toLocaleString('en-US')} | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} |`,
        );
      }
    } finally {
      await runner.close();
    }
  } finally {
    await database.drop();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
