import { relative } from 'node:path';
import { startReplayServer, type ReplayServer } from '../replay/replay-server.js';
import { LOCAL_SECRETS_FILE, withLocalSecrets } from './local-secrets.js';
import { startLocalRunner, type LocalRunner } from './local-runner.js';

/**
 * `npm start` and `npm run demo`: the functions on localhost with the emulated cron. The demo
 * points every provider at an in-process replay server, so it needs no network.
 */
export async function serveLocally(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
}): Promise<{
  runner: LocalRunner;
  replay: ReplayServer | null;
  close(): Promise<void>;
}> {
  let env = { ...options.env };
  let replay: ReplayServer | null = null;
  if (options.demo) {
    replay = await startReplayServer({
      port: Number(env.REPLAY_PORT ?? 0),
      defaults: { size: Number(env.REPLAY_CATALOG_SIZE ?? 200) },
    });
    env = { ...env, ...replay.baseUrls, PRICING_DATA_DIR: env.PRICING_DATA_DIR ?? '.data/demo-pglite' };
  }
  const secrets = await withLocalSecrets(env, env.LOCAL_SECRETS_FILE ?? LOCAL_SECRETS_FILE);
  const runner = await startLocalRunner({ env: secrets.env, port: Number(env.PORT ?? 3000) });
  const file = relative(process.cwd(), secrets.file) || secrets.file;
  const read = (name: string) => `$(node -p "require('./${file}').${name}")`;
  const admin = secrets.generated.includes('ADMIN_API_KEY') ? read('ADMIN_API_KEY') : '$ADMIN_API_KEY';
  const cron = secrets.generated.includes('CRON_SECRET') ? read('CRON_SECRET') : '$CRON_SECRET';
  const lines = [
    `pricing-sync ${options.demo ? 'demo (providers replayed locally) ' : ''}on ${runner.url} (store: ${runner.context.store.kind})`,
    ...(secrets.generated.length > 0
      ? [
          `local-only secrets for ${secrets.generated.join(', ')} are in ${file} (mode 600); they are never printed`,
        ]
      : []),
    ...(replay ? [`replay server: ${replay.url}`] : []),
    '',
    `curl ${runner.url}/health`,
    `curl -H "Authorization: Bearer ${admin}" ${runner.url}/admin/pricing/scheduler/status`,
    `curl -X POST -H "Authorization: Bearer ${admin}" ${runner.url}/admin/pricing/scheduler/trigger`,
    `curl ${runner.url}/metrics | grep pricing`,
    `curl -H "Authorization: Bearer ${cron}" ${runner.url}/api/cron/pricing-sync`,
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  return {
    runner,
    replay,
    async close() {
      await runner.close();
      await replay?.close();
    },
  };
}
