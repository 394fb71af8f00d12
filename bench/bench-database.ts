import pg from 'pg';
import { PostgresAdapter } from '../lib/db/postgres-adapter.js';
import { statsSessionOf, tableWritesByName } from '../tests/support/settle-stats.js';

/** The tables that hold prices: current rows and their history. */
export const PRICE_TABLE = 'model_pricing';
export const HISTORY_TABLE = 'model_pricing_history';

export interface BenchDatabase {
  name: string;
  url: string;
  /** A superuser connection, outside the code under test. */
  admin: pg.Client;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the benchmark's embedded server. */
export async function createBenchDatabase(serverUrl: string, name: string): Promise<BenchDatabase> {
  const root = new pg.Client({ connectionString: serverUrl });
  await root.connect();
  await root.query(`drop database if exists ${name} with (force)`);
  await root.query(`create database ${name}`);
  await root.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const adapter = new PostgresAdapter({ connectionString: url.toString() });
  await adapter.migrate();
  await adapter.close();
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  return {
    name,
    url: url.toString(),
    admin,
    async drop() {
      await admin.end();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * Inserts, updates and deletes Postgres has counted per table (pg_stat_user_tables), read from
 * outside the code under test. A backend always reports its counts when it exits, so this waits
 * until every other connection to the database is gone (the benchmark's syncs run in child
 * processes that have exited by then).
 */
export async function tableWrites(database: BenchDatabase): Promise<Record<string, number>> {
  return tableWritesByName(statsSessionOf(database.admin), database.name, [PRICE_TABLE, HISTORY_TABLE]);
}

/** Each price row as text, keyed by provider and model, to count what really changed. */
export async function priceSnapshot(admin: pg.Client): Promise<Map<string, string>> {
  const result = await admin.query<{ key: string; row: string }>(
    `select provider || '/' || model_id as key,
            concat_ws('|', state, input_price_per_1m_tokens, output_price_per_1m_tokens,
                      cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price,
                      image_price, extra_prices::text, pricing_tiers::text) as row
       from model_pricing`,
  );
  return new Map(result.rows.map((row) => [row.key, row.row]));
}

/** How many keys differ between two snapshots (changed, added or removed). */
export function changedRows(before: Map<string, string>, after: Map<string, string>): number {
  let changed = 0;
  for (const [key, row] of after) if (before.get(key) !== row) changed += 1;
  for (const key of before.keys()) if (!after.has(key)) changed += 1;
  return changed;
}
