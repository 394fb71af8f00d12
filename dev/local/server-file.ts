import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LOCAL_SECRETS_FILE, withLocalSecrets } from './local-secrets.js';

/** Where `npm start` / `npm run demo` say which URL serves a PGlite data dir, beside its lock. */
export function serverFileOf(dataDir: string): string {
  const absolute = resolve(dataDir);
  return join(dirname(absolute), `.${basename(absolute)}.server.json`);
}

export interface ServerFile {
  url: string;
  pid: number;
  /** `npm start` or `npm run demo`. */
  command: string;
  /** `npm run demo`'s replay server, which `npm run demo:change` drives. */
  replayUrl?: string;
}

/**
 * Written while a local server holds the data dir, so that `npm run sync` (which cannot open a
 * PGlite folder another process holds) can run the sync through that server instead.
 */
export async function writeServerFile(dataDir: string, server: ServerFile): Promise<() => Promise<void>> {
  const file = serverFileOf(dataDir);
  await writeFile(file, JSON.stringify(server), { mode: 0o600 });
  return () => rm(file, { force: true });
}

export async function readServerFile(dataDir: string): Promise<ServerFile | null> {
  try {
    const server = JSON.parse(await readFile(serverFileOf(dataDir), 'utf8')) as Partial<ServerFile>;
    if (typeof server.url !== 'string' || typeof server.pid !== 'number') return null;
    return {
      url: server.url,
      pid: server.pid,
      command: String(server.command ?? 'a local server'),
      ...(typeof server.replayUrl === 'string' ? { replayUrl: server.replayUrl } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The live local server that holds a PGlite data dir, with the admin key to call it (the local
 * secrets file's, unless ADMIN_API_KEY is set), or null. The key goes only to the server that holds
 * the folder: a server file left behind by a killed server may name a port another program now has.
 */
export async function findLocalServer(
  dataDir: string,
  env: Record<string, string | undefined>,
): Promise<{ url: string; command: string; adminKey: string } | null> {
  const server = await readServerFile(dataDir);
  if (!server) return null;
  const { dataDirHolderPid } = await import('../../lib/db/data-dir-owner.js');
  if (server.pid !== (await dataDirHolderPid(dataDir))) return null;
  const secrets = await withLocalSecrets(
    { ADMIN_API_KEY: env.ADMIN_API_KEY, CRON_SECRET: env.CRON_SECRET ?? 'unused' },
    env.LOCAL_SECRETS_FILE ?? LOCAL_SECRETS_FILE,
  );
  return { url: server.url, command: server.command, adminKey: secrets.env.ADMIN_API_KEY! };
}
