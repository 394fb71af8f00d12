import { relative } from 'node:path';
import { createLogger, logFormatFor } from '../../lib/logging/logger.js';
import { StoreError } from '../../lib/db/store-error.js';
import { NOT_CONFIGURED } from '../../lib/db/unconfigured-transport.js';
import { startReplayServer, type ReplayServer } from '../replay/replay-server.js';
import { storageConfigFromEnv } from '../../lib/db/open-store.js';
import { explainListenError, StartupError } from './startup-error.js';
import { writeServerFile } from './server-file.js';
import { LOCAL_SECRETS_FILE, withLocalSecrets } from './local-secrets.js';
import { startLocalRunner, type LocalRunner } from './local-runner.js';
import type { ProviderResult } from '../../lib/sync/sync-result.js';
import type { ConfigProblem, ConfigScope } from '../../lib/config.js';

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
  try {
    // A DATABASE_URL that is not one, a Supabase URL without its key: said before anything starts.
    storageConfigFromEnv(env);
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  let replay: ReplayServer | null = null;
  if (options.demo) {
    const replayPort = Number(env.REPLAY_PORT ?? 0);
    replay = await startReplayServer({
      port: replayPort,
      defaults: { size: Number(env.REPLAY_CATALOG_SIZE ?? 200) },
    }).catch((error: unknown) => {
      throw explainListenError(error, replayPort, 'REPLAY_PORT');
    });
    env = { ...env, ...replay.baseUrls, PRICING_DATA_DIR: env.PRICING_DATA_DIR ?? '.data/demo-pglite' };
  }
  const secrets = await withLocalSecrets(env, env.LOCAL_SECRETS_FILE ?? LOCAL_SECRETS_FILE);
  let firstTick = true;
  const port = Number(env.PORT ?? 3000);
  const runner = await startLocalRunner({
    env: secrets.env,
    port,
    // Readable lines on a terminal; JSON when piped or with LOG_FORMAT=json, as on Vercel.
    logger: createLogger({ format: logFormatFor(env, process.stdout) }),
    onCronTick: ({ body }) => {
      if (!firstTick) return;
      firstTick = false;
      const hint = options.demo ? null : offlineHint(body);
      if (hint) process.stderr.write(`${hint}\n`);
    },
  }).catch(async (error: unknown) => {
    await replay?.close();
    throw explainListenError(error, port, 'PORT');
  });
  const storage = storageConfigFromEnv(secrets.env);
  const removeServerFile =
    storage.kind === 'pglite'
      ? await writeServerFile(storage.dataDir, {
          url: runner.url,
          pid: process.pid,
          command: options.demo ? 'npm run demo' : 'npm start',
          ...(replay ? { replayUrl: replay.url } : {}),
        })
      : async () => undefined;
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
    ...configErrorLines(runner.context.config.problems),
    '',
    `operator console: ${runner.url}/console/ (print the admin key to sign in with: echo ${admin})`,
    ...(options.demo
      ? [
          'make the replayed feed change (a 100x swing, a new model, a removed model) and sync: npm run demo:change',
        ]
      : []),
    '',
    `curl ${runner.url}/health`,
    `curl -H "Authorization: Bearer ${admin}" ${runner.url}/admin/pricing/scheduler/status`,
    `curl -X POST -H "Authorization: Bearer ${admin}" ${runner.url}/admin/pricing/scheduler/trigger`,
    `curl ${runner.url}/metrics | grep pricing`,
    `curl -H "Authorization: Bearer ${cron}" ${runner.url}/api/cron/pricing-sync`,
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  // Not awaited before the banner: a host that never answers would hold it for minutes.
  void runner.context.store.ping().catch((error: unknown) => {
    if (error instanceof StoreError && error.code === NOT_CONFIGURED) return;
    process.stderr.write(
      `${runner.context.explainStoreFailure(error)}\n/health answers 503 until the database answers.\n`,
    );
  });
  return {
    runner,
    replay,
    async close() {
      await removeServerFile();
      await runner.close();
      await replay?.close();
    },
  };
}

/**
 * One hint when the first sync failed because no provider could be reached: a new user offline or
 * behind a firewall sees why, and what works without the network.
 */
export function offlineHint(body: unknown): string | null {
  const answer = body as { status?: unknown; providers?: Record<string, ProviderResult> } | null;
  if (answer?.status !== 'failed' || !answer.providers) return null;
  const errors = Object.values(answer.providers).map((result) => result.error);
  if (errors.length === 0 || errors.some((error) => error?.reason !== 'network')) return null;
  const codes = [...new Set(errors.map((error) => error?.code).filter(Boolean))].join(', ');
  return (
    `hint: the first sync failed: the providers are unreachable from here${codes ? ` (${codes})` : ''}. ` +
    '`npm run demo` runs against a local replay of them.'
  );
}

/**
 * The banner's lines for the config errors: each one, and what it stops (only what it configures;
 * docs/configuration.md has the table).
 */
export function configErrorLines(problems: readonly ConfigProblem[]): string[] {
  if (problems.length === 0) return [];
  const stops: Record<ConfigScope, string> = {
    sync: 'stops the sync',
    storage: 'stops everything that uses the database',
    pins: 'stops setting pins',
    access: 'only what it grants stays closed',
    webhooks: 'stops sending webhooks (the outbox keeps the events)',
  };
  return [
    `configuration errors (${problems.length}):`,
    ...problems.map(
      (problem) => `  ${problem.message} (${problem.disables.map((scope) => stops[scope]).join('; ')})`,
    ),
  ];
}
