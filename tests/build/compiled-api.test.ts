import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function apiModules(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

// Vercel's Node runtime loads api/*.ts as ESM and fails on an extensionless relative import that
// vitest would forgive: compile with tsc and import every function in a plain node process.
describe('the compiled functions', () => {
  let outDir: string | undefined;
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('compile with tsc and import in plain node, each exporting its handlers', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'pricing-sync-build-'));
    // The project's compiler options, but only api/ and what it imports: tests, scripts and the
    // bench are not deployed, and compiling them too made this the slowest build test.
    const root = process.cwd();
    const config = join(outDir, 'tsconfig.api.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: {
          rootDir: root,
          outDir,
          noEmit: false,
          declaration: false,
          // Types are checked by `npm run typecheck`; this test is about what plain node can load.
          // An extensionless import still fails it: tsc emits it as written and node refuses it.
          noCheck: true,
          typeRoots: [join(root, 'node_modules/@types')],
        },
        include: [join(root, 'api')],
      }),
    );
    await run('npx', ['tsc', '-p', config], { cwd: root });
    await symlink(join(process.cwd(), 'node_modules'), join(outDir, 'node_modules'));
    const modules = (await apiModules(join(process.cwd(), 'api'))).map((file) =>
      relative(process.cwd(), file).replace(/\.ts$/, '.js'),
    );
    expect(modules.sort()).toEqual([
      'api/admin/pricing/held.js',
      'api/admin/pricing/pins.js',
      'api/admin/pricing/prices.js',
      'api/admin/pricing/runs.js',
      'api/admin/pricing/scheduler/status.js',
      'api/admin/pricing/scheduler/trigger.js',
      'api/cron/pricing-sync.js',
      'api/health.js',
      'api/metrics.js',
      'api/prices.js',
      'api/prices/litellm.js',
    ]);
    const script = `
      const names = JSON.parse(process.argv[1]);
      const found = {};
      for (const name of names) {
        const module = await import(${JSON.stringify(outDir)} + '/' + name);
        found[name] = Object.keys(module).filter((key) => typeof module[key] === 'function').sort();
      }
      console.log(JSON.stringify(found));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(modules)],
      {
        cwd: outDir,
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      'api/admin/pricing/held.js': ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
      'api/admin/pricing/pins.js': ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
      'api/admin/pricing/prices.js': ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
      'api/admin/pricing/runs.js': ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
      'api/admin/pricing/scheduler/status.js': ['GET'],
      'api/admin/pricing/scheduler/trigger.js': ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
      'api/cron/pricing-sync.js': ['GET'],
      'api/health.js': ['GET'],
      'api/metrics.js': ['GET'],
      'api/prices.js': ['GET', 'POST'],
      'api/prices/litellm.js': ['GET'],
    });
    // A whole-project tsc on a shared 2-core machine can take over a minute; this bounds a hang, it times nothing.
  }, 240_000);
});
