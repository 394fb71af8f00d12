import pg from 'pg';
import type { PriceRecord } from '../lib/providers/price-record.js';
import type { ProviderSource } from '../lib/providers/provider-source.js';

/**
 * The seed system's approach, for comparison: fetch every provider, then for each model one
 * select, one upsert and one history insert, each its own round trip in autocommit. Plain SQL over
 * the same driver and pool settings as `PostgresAdapter`, counted the same way (one per query).
 * Nothing here is production schema: it writes the same tables the real sync does.
 */
export async function runPerModelBaseline(options: {
  connectionString: string;
  sources: readonly ProviderSource[];
  /** Only the first this many models (over all providers) are written: for extrapolation. */
  modelLimit?: number;
  onRoundTrip: () => void;
}): Promise<{ written: number; catalogModels: number; fetchSeconds: number }> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 5,
    connectionTimeoutMillis: 5_000,
  });
  const query = async <Row extends pg.QueryResultRow>(sql: string, params: unknown[]) => {
    options.onRoundTrip();
    return pool.query<Row>(sql, params);
  };
  try {
    const fetchStarted = performance.now();
    const catalogs = await Promise.all(options.sources.map((source) => source.fetchCatalog()));
    const fetchSeconds = (performance.now() - fetchStarted) / 1000;
    const records = catalogs.flatMap((catalog) => catalog.records);
    const selected = records.slice(0, options.modelLimit ?? records.length);
    const run = await query<{ id: string }>(
      `insert into pricing_sync_runs (trigger, triggered_by) values ('cli', 'per-model-baseline') returning id::text`,
      [],
    );
    const runId = run.rows[0]!.id;
    for (const record of selected) await writeOneModel(query, runId, record);
    return { written: selected.length, catalogModels: records.length, fetchSeconds };
  } finally {
    await pool.end();
  }
}

type Query = <Row extends pg.QueryResultRow>(sql: string, params: unknown[]) => Promise<pg.QueryResult<Row>>;

/** The columns one model's upsert writes after provider and model id, each with its value. */
const MODEL_COLUMNS: [column: string, value: (record: PriceRecord) => unknown][] = [
  ['state', (record) => record.state],
  ['input_price_per_1m_tokens', (record) => record.inputUsdPerMillionTokens],
  ['output_price_per_1m_tokens', (record) => record.outputUsdPerMillionTokens],
  ['cache_read_price_per_1m_tokens', (record) => record.cacheReadUsdPerMillionTokens],
  ['cache_write_price_per_1m_tokens', (record) => record.cacheWriteUsdPerMillionTokens],
  ['request_price', (record) => record.requestUsd],
  ['image_price', (record) => record.imageUsd],
  ['extra_prices', (record) => JSON.stringify(record.extraPrices)],
  ['pricing_tiers', (record) => JSON.stringify(record.tiers)],
  ['context_length', (record) => record.contextLength],
  ['alias_of', (record) => record.aliasOf],
];
const COLUMN_NAMES = MODEL_COLUMNS.map(([column]) => column);
const UPSERT_MODEL = `insert into model_pricing (provider, model_id, ${COLUMN_NAMES.join(', ')}, source)
     values (${['$1', '$2', ...COLUMN_NAMES.map((_, index) => `$${index + 3}`)].join(', ')}, 'per-model-baseline')
     on conflict (provider, model_id) do update set
       ${COLUMN_NAMES.map((column) => `${column} = excluded.${column}`).join(', ')}, updated_at = now()`;

async function writeOneModel(query: Query, runId: string, record: PriceRecord): Promise<void> {
  const existing = await query<{ input: string | null; output: string | null }>(
    `select input_price_per_1m_tokens::text as input, output_price_per_1m_tokens::text as output
       from model_pricing where provider = $1 and model_id = $2`,
    [record.provider, record.modelId],
  );
  const old = existing.rows[0] ?? null;
  await query(UPSERT_MODEL, [
    record.provider,
    record.modelId,
    ...MODEL_COLUMNS.map(([, value]) => value(record)),
  ]);
  await query(
    `insert into model_pricing_history (run_id, provider, model_id, kind, old_state, new_state,
       old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
       old_output_price_per_1m_tokens, new_output_price_per_1m_tokens, new_prices)
     values ($1, $2, $3, $4, null, $5, $6, $7, $8, $9, $10)`,
    [
      runId,
      record.provider,
      record.modelId,
      old ? 'changed' : 'added',
      record.state,
      old?.input ?? null,
      record.inputUsdPerMillionTokens,
      old?.output ?? null,
      record.outputUsdPerMillionTokens,
      JSON.stringify({
        input_price_per_1m_tokens: record.inputUsdPerMillionTokens,
        output_price_per_1m_tokens: record.outputUsdPerMillionTokens,
      }),
    ],
  );
}
