import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { median } from './metrics-latency.js';

const run = promisify(execFile);

/**
 * Each api/ function compiled with tsc (as Vercel runs it: JavaScript, no TypeScript loader) and
 * imported in a fresh Node process `runs` times; the median milliseconds of the import per module.
 */
export async function coldImportMs(root: string, runs = 5): Promise<Record<string, number>> {
  const outDir = await mkdtemp(join(tmpdir(), 'pricing-sync-bench-build-'));
  try {
    await run('npx', ['tsc', '--outDir', outDir, '--noEmit', 'false', '--declaration', 'false'], {
      cwd: root,
    });
    await symlink(join(root, 'node_modules'), join(outDir, 'node_modules'));
    const entries = await readdir(join(root, 'api'), { withFileTypes: true, recursive: true });
    const modules = entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).replace(/\.ts$/, '.js'))
      .sort();
    const script = `
      const started = performance.now();
      await import(process.argv[1]);
      process.stdout.write(String(performance.now() - started));
    `;
    const results: Record<string, number> = {};
    for (const module of modules) {
      const durations: number[] = [];
      for (let attempt = 0; attempt < runs; attempt += 1) {
        const { stdout } = await run(
          process.execPath,
          ['--input-type=module', '-e', script, join(outDir, module)],
          { cwd: outDir },
        );
        durations.push(Number(stdout));
      }
      results[module.replace(/\.js$/, '')] = median(durations);
    }
    return results;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** The wall of `node -e 0` in a fresh process, median of `runs`: what the cold imports are divided by. */
export async function nodeStartMs(runs = 5): Promise<number> {
  const durations: number[] = [];
  for (let attempt = 0; attempt < runs; attempt += 1) {
    const started = performance.now();
    await run(process.execPath, ['-e', '0']);
    durations.push(performance.now() - started);
  }
  return median(durations);
}
