import pg from 'pg';
import { migrate, readMigrations, type MigrationReport } from './migrate.js';
import type { RpcTransport, SqlSession } from './rpc-transport.js';
import type { RpcArgs, RpcName } from './rpc-catalog.js';
import { callThroughSql } from './sql-functions.js';
import { toStoreError } from './store-error.js';

export interface PostgresAdapterOptions {
  connectionString: string;
  /** Connections in the pool; a sync uses a few at once (reads, staging, two commits), /metrics and status one each. */
  maxConnections?: number;
  /** Called once per query sent on a connection: the benchmark counts round trips with it. */
  onRoundTrip?: () => void;
}

/** Longest a single SQL function call may run; a 25,000-model commit takes about a second. */
export const STATEMENT_TIMEOUT_MS = 120_000;

/** node-postgres adapter for `DATABASE_URL`. */
export class PostgresAdapter implements RpcTransport {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly onRoundTrip: (() => void) | undefined;

  constructor(options: PostgresAdapterOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 5,
      connectionTimeoutMillis: 5_000,
      // A database that hangs must not hold a function until maxDuration: give up, so the run
      // can record itself (or let its lease expire).
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
    });
    // An idle connection dropped by the server must not crash the process.
    this.pool.on('error', () => undefined);
    this.onRoundTrip = options.onRoundTrip;
  }

  call<Name extends RpcName>(name: Name, args: RpcArgs<Name>): Promise<unknown> {
    return callThroughSql(name, args, async (statement, parameters) => {
      this.onRoundTrip?.();
      return (await this.pool.query<{ result: unknown }>(statement, parameters)).rows;
    });
  }

  /** Applies supabase/migrations on one connection. */
  async migrate(): Promise<MigrationReport> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw toStoreError(error, 'migrate');
    });
    try {
      return await migrate(sessionOf(client), await readMigrations());
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function sessionOf(client: pg.PoolClient): SqlSession {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await client.query(sql, params);
      return result.rows as Row[];
    },
  };
}
