import { mkdir, writeFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { migrate, readMigrations } from './migrate.js';
import type { RpcTransport, SqlSession } from './rpc-transport.js';
import type { RpcArgs, RpcName } from './rpc-catalog.js';
import { callThroughSql } from './sql-functions.js';
import { StoreError, toStoreError } from './store-error.js';
import { ownerFileOf, processIsAlive, readOwner, type LockOwner } from './data-dir-owner.js';

export { dataDirHolderPid } from './data-dir-owner.js';

/**
 * PGlite's compiled WebAssembly and its file bundle, which PGlite otherwise reads and compiles on
 * each open: a process that opens many databases (the tests) loads them once and passes them here.
 */
export interface PgliteEngine {
  pgliteWasmModule: WebAssembly.Module;
  fsBundle: Blob;
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
    private readonly lock: DataDirLock | null,
  ) {}

  static async open(options: { dataDir: string | null; engine?: PgliteEngine }): Promise<PgliteAdapter> {
    if (options.dataDir === null) {
      const database = await PGlite.create({ ...options.engine });
      await migrate(sessionOf(database), await readMigrations());
      return new PgliteAdapter(database, null);
    }
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    const ownerFile = ownerFileOf(dataDir);
    const lock = await lockDataDir(dataDir, ownerFile);
    try {
      const database = await PGlite.create({ dataDir, ...options.engine });
      await migrate(sessionOf(database), await readMigrations());
      return new PgliteAdapter(database, lock);
    } catch (error) {
      await lock.release();
      throw toStoreError(error, `opening PGlite data dir ${dataDir}`);
    }
  }

  call<Name extends RpcName>(name: Name, args: RpcArgs<Name>): Promise<unknown> {
    return callThroughSql(name, args, async (statement, parameters) => {
      await this.lock?.assertHeld(name);
      const result = await this.database.query<{ result: unknown }>(statement, parameters);
      // Checked again after the write: if another process took the dir meanwhile, what we wrote
      // may be overwritten by it, so this call must not be reported as done.
      await this.lock?.assertHeld(name);
      return result.rows;
    });
  }

  /** Plain SQL, for tests and tools that inspect the embedded database. */
  session(): SqlSession {
    return sessionOf(this.database);
  }

  async close(): Promise<void> {
    await this.database.close();
    await this.lock?.release();
  }
}

/** Plain SQL on a PGlite database, for the migration runner. */
export function sessionOf(database: PGlite): SqlSession {
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

/** The lock on a data dir while an adapter holds it. */
interface DataDirLock {
  /** Throws DATA_DIR_LOCK_LOST unless this process still holds the dir. */
  assertHeld(operation: string): Promise<void>;
  release(): Promise<void>;
}

const LOCK_STALE_MS = 15_000;
const LOCK_UPDATE_MS = 5_000;

function lockedError(dataDir: string, owner: LockOwner | null, cause?: unknown): StoreError {
  const script = owner ? npmScriptOf(owner.command) : null;
  const who = owner
    ? `${script ? `\`${script}\` (process ${owner.pid}` : `process ${owner.pid} (${owner.command}`}) of ${owner.user}@${owner.host}, since ${owner.since}`
    : 'another process';
  const server = script === 'npm start' || script === 'npm run demo';
  return new StoreError(
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
    { code: 'DATA_DIR_LOCKED', cause },
  );
}

async function lockDataDir(dataDir: string, ownerFile: string): Promise<DataDirLock> {
  // The lock's mtime goes stale when its holder stops refreshing it, which a killed process does,
  // but so does a live one whose event loop is blocked (a 200,000-model apply blocked it 30-40 s).
  // A live holder on this host is therefore never taken over, however stale its lock looks.
  const previous = await readOwner(ownerFile);
  if (
    previous &&
    previous.host === hostname() &&
    previous.pid !== process.pid &&
    processIsAlive(previous.pid)
  ) {
    throw lockedError(dataDir, previous);
  }

  let lost: Error | null = null;
  let release: (() => Promise<void>) | null = null;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    user: safeUser(),
    command: process.argv.slice(1).join(' ').slice(0, 200),
    since: new Date().toISOString(),
  };
  const stillOurs = async () => {
    const current = await readOwner(ownerFile);
    return current?.pid === owner.pid && current.host === owner.host && current.since === owner.since;
  };
  const take = () =>
    lockfile.lock(dataDir, {
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
      realpath: false,
      // The default throws from a timer and kills the process. A refresh that came too late (our
      // event loop was blocked) is not a loss while the owner file is still ours: take the lock
      // again. Anything else is a loss, and every later call fails instead of reporting a write.
      onCompromised: (error: Error) => {
        release = null;
        void stillOurs().then(async (ours) => {
          if (!ours) {
            lost = error;
            return;
          }
          try {
            release = await take();
          } catch (retakeError) {
            lost = retakeError instanceof Error ? retakeError : error;
          }
        });
      },
    });

  try {
    release = await take();
  } catch (error) {
    throw lockedError(dataDir, await readOwner(ownerFile), error);
  }
  await writeFile(ownerFile, JSON.stringify(owner), { mode: 0o600 });

  return {
    async assertHeld(operation) {
      if (lost === null && !(await stillOurs())) {
        lost = new Error(`the owner file ${ownerFile} names another process`);
      }
      if (lost !== null) {
        throw new StoreError(
          `${operation}: this process lost the lock on the PGlite data dir ${dataDir} (${lost.message}); ` +
            'another process may have written to it, so nothing done since can be reported as saved. ' +
            'Stop the other process and run again.',
          { code: 'DATA_DIR_LOCK_LOST', cause: lost },
        );
      }
    },
    async release() {
      if (lost === null && (await stillOurs())) await rm(ownerFile, { force: true });
      // Harmless: a lock that cannot be released (compromised meanwhile, or gone) is no longer
      // refreshed, so it goes stale and the next process takes it over once this one has ended.
      await release?.().catch(() => undefined);
    },
  };
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
