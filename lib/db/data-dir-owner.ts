import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { hostname } from 'node:os';

/**
 * Who holds a PGlite data dir: the owner file written beside it by the process that holds its lock.
 * Apart from the adapter so that a tool asking only "is it held, and by whom" (npm run admin beside
 * a running server) does not load PGlite.
 */
export interface LockOwner {
  pid: number;
  host: string;
  user: string;
  command: string;
  since: string;
}

export function basenameOf(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? 'pglite';
}

export function ownerFileOf(dataDir: string): string {
  return join(dirname(dataDir), `.${basenameOf(dataDir)}.owner.json`);
}

/** The pid of the live process on this host that holds a PGlite data dir, or null. */
export async function dataDirHolderPid(dataDir: string): Promise<number | null> {
  const owner = await readOwner(ownerFileOf(resolve(dataDir)));
  return owner && owner.host === hostname() && processIsAlive(owner.pid) ? owner.pid : null;
}

export async function readOwner(ownerFile: string): Promise<LockOwner | null> {
  return readFile(ownerFile, 'utf8')
    .then((text) => JSON.parse(text) as LockOwner)
    .catch(() => null);
}

/** Whether a process with this pid exists here (EPERM: it exists but is not ours to signal). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
