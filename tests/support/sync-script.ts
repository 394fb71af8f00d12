import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execute = promisify(execFile);

/** `npm run sync -- …args` as a child process (scripts/sync.ts under tsx), with no database configured. */
export async function syncScript(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await execute(
      process.execPath,
      ['--import', 'tsx', 'scripts/sync.ts', ...args],
      {
        env: { ...process.env, DATABASE_URL: '', SUPABASE_URL: '', LOG_LEVEL: 'warn', ...env },
        timeout: 90_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
