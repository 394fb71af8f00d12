import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { migrate, readMigrations } from './migrate.js';
import type { RpcTransport, SqlSession } from './rpc-transport.js';
import {
  assertArguments,
  callStatement,
  parametersOf,
  type SqlFunctionArgs,
  type SqlFunctionName,
} from './sql-functions.js';
import { StoreError, toStoreError } from './store-error.js';

/** Who holds a PGlite data dir, written beside its lock so a second process can say so. */
interface LockOwner {
  pid: number;
  host: string;
  user: string;
  command: string;
  since: string;
}

/**
 * The embedded default: PGlite persisted in a data folder (`PRICING_DATA_DIR`, default
 * `.data/pglite`), migrated on first use. PGlite itself does not lock its folder (two processes
 * were seen writing to one at once), so this adapter holds a lock file for as long as it is open.
 * Pass `dataDir: null` for an in-memory database (tests).
 */
export class PgliteAdapter implements RpcTransport {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly database: PGlite,
    private readonly releaseLock: (() => Promise<void>) | null,
    private readonly ownerFile: string | null,
  ) {}

  static async open(options: { dataDir: string | null }): Promise<PgliteAdapter> {
    if (options.dataDir === null) {
      const database = await PGlite.create();
      await migrate(sessionOf(database), await readMigrations());
      return new PgliteAdapter(database, null, null);
    }
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    const ownerFile = join(dirname(dataDir), `.${basenameOf(dataDir)}.owner.json`);
    const releaseLock = await lockDataDir(dataDir, ownerFile);
    try {
      const database = await PGlite.create({ dataDir });
      await migrate(sessionOf(database), await readMigrations());
      return new PgliteAdapter(database, releaseLock, ownerFile);
    } catch (error) {
      await releaseLock();
      throw toStoreError(error, `opening PGlite data dir ${dataDir}`);
    }
  }

  async call(name: SqlFunctionName, args: SqlFunctionArgs): Promise<unknown> {
    assertArguments(name, args);
    try {
      const result = await this.database.query<{ result: unknown }>(
        callStatement(name),
        parametersOf(name, args),
      );
      return result.rows[0]?.result ?? null;
    } catch (error) {
      throw toStoreError(error, name);
    }
  }

  /** Plain SQL, for tests and tools that inspect the embedded database. */
  session(): SqlSession {
    return sessionOf(this.database);
  }

  async close(): Promise<void> {
    await this.database.close();
    if (this.ownerFile) await rm(this.ownerFile, { force: true });
    await this.releaseLock?.();
  }
}

function sessionOf(database: PGlite): SqlSession {
  return {
    async exec(sql) {
      await database.exec(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await database.query<Row>(sql, params);
      return result.rows;
    },
  };
}

function basenameOf(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? 'pglite';
}

async function lockDataDir(dataDir: string, ownerFile: string): Promise<() => Promise<void>> {
  let release: () => Promise<void>;
  try {
    // The lock's mtime is refreshed while we live; a lock left by a killed process goes stale.
    release = await lockfile.lock(dataDir, { stale: 15_000, update: 5_000, realpath: false });
  } catch (error) {
    const owner = await readFile(ownerFile, 'utf8')
      .then((text) => JSON.parse(text) as LockOwner)
      .catch(() => null);
    const script = owner ? npmScriptOf(owner.command) : null;
    const who = owner
      ? `${script ? `\`${script}\` (process ${owner.pid}` : `process ${owner.pid} (${owner.command}`}) of ${owner.user}@${owner.host}, since ${owner.since}`
      : 'another process';
    const server = script === 'npm start' || script === 'npm run demo';
    throw new StoreError(
      `The PGlite data dir ${dataDir} is in use by ${who}. PGlite allows one process at a time: ` +
        `stop that process; ${
          server
            ? `or run a sync through \`${script}\` with POST /admin/pricing/scheduler/trigger; `
            : script
              ? ''
              : 'or, if it is a local server (`npm start`, `npm run demo`), run a sync through it with POST /admin/pricing/scheduler/trigger; '
        }` +
        'or point both at a shared Postgres with DATABASE_URL ' +
        '(or this one at another folder with PRICING_DATA_DIR).',
      { code: 'DATA_DIR_LOCKED', cause: error },
    );
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    user: safeUser(),
    command: process.argv.slice(1).join(' ').slice(0, 200),
    since: new Date().toISOString(),
  };
  await writeFile(ownerFile, JSON.stringify(owner), { mode: 0o600 });
  return release;
}

/** The npm script a lock holder's command line runs, so the message names what the user typed. */
function npmScriptOf(command: string): string | null {
  const script = /scripts\/([a-z-]+)\.ts\b/.exec(command)?.[1];
  const names: Record<string, string> = {
    start: 'npm start',
    demo: 'npm run demo',
    sync: 'npm run sync',
    'db-migrate': 'npm run db:migrate',
    'db-prune': 'npm run db:prune',
  };
  return script ? (names[script] ?? null) : null;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
