/**
 * Reading Postgres' own write counts (pg_stat_user_tables) from outside the code under test.
 * No vitest import: the benchmark (`bench/`) uses it too.
 */

/** The one thing needed of a SQL connection: rows of a query. */
export interface StatsSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** A `pg.Client` (or anything with its `query`) as a `StatsSession`. */
export function statsSessionOf(client: {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}): StatsSession {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
  };
}

/**
 * Makes pg_stat_user_tables current. A backend reports its table statistics at most once a second,
 * or after 10 s idle, but always when it exits: so the other connections to `databaseName` are
 * ended first (pools reconnect on their next query). With `databaseName` null (PGlite, a single
 * connection) only this session's own counts are flushed.
 */
export async function settleStatistics(session: StatsSession, databaseName: string | null): Promise<void> {
  if (databaseName !== null) {
    await session.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [databaseName],
    );
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const others = await session.query<{ n: string }>(
        'select count(*)::text as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [databaseName],
      );
      if (others[0]?.n === '0') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await session.query('select pg_stat_force_next_flush()');
  await session.query('select pg_stat_clear_snapshot()');
}

/** Inserts, updates and deletes counted per table (tables never written are absent), after settling. */
export async function tableWritesByName(
  session: StatsSession,
  databaseName: string | null,
  tables: readonly string[],
): Promise<Record<string, number>> {
  await settleStatistics(session, databaseName);
  const rows = await session.query<{ relname: string; writes: string }>(
    `select relname, (n_tup_ins + n_tup_upd + n_tup_del)::text as writes
       from pg_stat_user_tables where relname = any($1)`,
    [tables],
  );
  return Object.fromEntries(rows.map((row) => [row.relname, Number(row.writes)]));
}

/** The sum of `tableWritesByName`. */
export async function totalTableWrites(
  session: StatsSession,
  databaseName: string | null,
  tables: readonly string[],
): Promise<number> {
  const writes = await tableWritesByName(session, databaseName, tables);
  return Object.values(writes).reduce((sum, count) => sum + count, 0);
}
