import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export const LOCAL_SECRETS_FILE = '.data/local-secrets.json';

/**
 * For local runs only: fills an unset CRON_SECRET or ADMIN_API_KEY from a file of generated
 * secrets (created with mode 600 and reused), so that nothing runs open. Never prints them.
 */
export async function withLocalSecrets(
  env: Record<string, string | undefined>,
  file = LOCAL_SECRETS_FILE,
): Promise<{ env: Record<string, string | undefined>; file: string; generated: string[] }> {
  const path = resolve(file);
  const wanted = ['CRON_SECRET', 'ADMIN_API_KEY'].filter((name) => !env[name]?.trim());
  if (wanted.length === 0) return { env, file: path, generated: [] };
  let stored: Record<string, string> = {};
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  } catch {
    stored = {};
  }
  let changed = false;
  for (const name of wanted) {
    if (!stored[name]) {
      stored[name] = `local-${randomBytes(24).toString('base64url')}`;
      changed = true;
    }
  }
  if (changed) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  await chmod(path, 0o600);
  const filled = { ...env };
  for (const name of wanted) filled[name] = stored[name];
  return { env: filled, file: path, generated: wanted };
}
