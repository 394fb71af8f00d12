import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VercelBuild {
  /** The clean copy that was built. */
  root: string;
  /** Its `.vercel/output` (Build Output API v3). */
  output: string;
  /** What `vercel build` printed. */
  log: string;
}

/** Local state a developer's folder may hold and a deployment must never carry. */
export const PLANTED_LOCAL_FILES = [
  '.data/local-secrets.json',
  '.data/pglite/PG_VERSION',
  '.env',
  '.env.local',
  '.env.production',
];

/** What each planted file holds: found anywhere in the output, local state was deployed. */
export const PLANTED_CONTENT = 'PLANTED_LOCAL_STATE=must-not-be-deployed';

/** Every file below `directory`, relative to it, `/`-separated. */
export async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/**
 * Builds a clean copy of the project (the files git would commit, so the worktree's node_modules
 * and .data are untouched and absent) with the pinned Vercel CLI, offline: a hand-made
 * .vercel/project.json stands in for `vercel link`, and npm installs from its cache. The local
 * state planted in the copy must not reach the output.
 */
export async function buildCleanCopy(repository: string, cli: string): Promise<VercelBuild> {
  const root = await mkdtemp(join(tmpdir(), 'pricing-sync-vercel-'));
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repository,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of new Set(stdout.split('\0').filter(Boolean))) {
    const source = join(repository, file);
    if (!existsSync(source)) continue; // deleted in the worktree, not yet committed
    await mkdir(dirname(join(root, file)), { recursive: true });
    await cp(source, join(root, file));
  }
  await mkdir(join(root, '.vercel'), { recursive: true });
  await writeFile(
    join(root, '.vercel', 'project.json'),
    JSON.stringify({ projectId: 'prj_local', orgId: 'team_local', settings: { framework: null } }),
  );
  for (const file of PLANTED_LOCAL_FILES) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), `${PLANTED_CONTENT}\n`);
  }
  const env: Record<string, string | undefined> = { ...process.env };
  // A build on the developer's machine, not inside a Vercel build or a running function.
  for (const name of Object.keys(env)) if (name.startsWith('VERCEL')) delete env[name];
  const result = await run(cli, ['build', '--yes'], {
    cwd: root,
    env: {
      ...env,
      VERCEL_TELEMETRY_DISABLED: '1',
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  return { root, output: join(root, '.vercel', 'output'), log: `${result.stdout}\n${result.stderr}` };
}
