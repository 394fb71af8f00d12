import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { configErrorsFor, readConfig } from '../../lib/config.js';
import { storeFailureMessage } from '../../lib/db/database-url.js';
import { StoreError } from '../../lib/db/store-error.js';
import type { CommandIo } from '../../lib/cli/command-io.js';
import { createSyncProgress } from './sync-progress.js';
import { LOCAL_SECRETS_FILE, withLocalSecrets } from '../local/local-secrets.js';
import { readServerFile, type ServerFile } from '../local/server-file.js';
import { startReplayServer, type ReplayServer } from '../replay/replay-server.js';
import { openStore, storageConfigFromEnv } from '../../lib/db/open-store.js';
import { createLogger } from '../../lib/logging/logger.js';
import { parseProviderList } from '../../lib/providers/registry.js';
import { createProviderSources } from '../../lib/providers/registry.js';
import { runSync } from '../../lib/sync/run-sync.js';
import { startTracing } from '../../lib/tracing/start-tracing.js';
import type { PricePair, ProviderResult, RunReport } from '../../lib/sync/sync-result.js';

export const EXIT_SUCCESS = 0;
export const EXIT_FAILED = 1;
export const EXIT_PARTIAL = 2;

const USAGE = 'usage: npm run sync -- [--dry-run] [--providers a,b] [--force] [--demo]';

/** `npm run demo`'s data dir and catalog size: `--demo` syncs the same data from the same replay. */
const DEMO_DATA_DIR = '.data/demo-pglite';
const DEMO_CATALOG_SIZE = 200;

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

/**
 * `npm run sync`: one run from the terminal (trigger `cli`, triggered_by the OS user), with
 * progress per provider and a summary table. Exit 0 on success, 2 on partial, 1 on failed or a
 * refused lease (and on bad usage or configuration).
 */
export async function runSyncCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        providers: { type: 'string' },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    return EXIT_FAILED;
  }
  if (options.help) {
    io.out(USAGE);
    return EXIT_SUCCESS;
  }
  const config = readConfig(env);
  const configErrors = configErrorsFor(config, 'sync');
  if (configErrors.length > 0) {
    io.err(`configuration errors:\n  ${configErrors.join('\n  ')}`);
    return EXIT_FAILED;
  }
  let providers = config.providers;
  if (options.providers !== undefined) {
    try {
      providers = parseProviderList(options.providers, '--providers');
    } catch (error) {
      io.err(error instanceof Error ? error.message : String(error));
      return EXIT_FAILED;
    }
  }

  if (options.demo) {
    if (env.DATABASE_URL?.trim() || env.SUPABASE_URL?.trim()) {
      io.err("--demo syncs the demo's PGlite data (.data/demo-pglite): unset DATABASE_URL and SUPABASE_URL");
      return EXIT_FAILED;
    }
    env = { ...env, PRICING_DATA_DIR: env.PRICING_DATA_DIR?.trim() || DEMO_DATA_DIR };
  }

  await startTracing(env);
  let store;
  let replay: ReplayServer | null = null;
  try {
    const storage = storageConfigFromEnv(env);
    try {
      store = await openStore(storage);
    } catch (error) {
      // A running `npm start` / `npm run demo` holds the PGlite folder: run the sync through it.
      if (!(error instanceof StoreError && error.code === 'DATA_DIR_LOCKED' && storage.kind === 'pglite')) {
        throw error;
      }
      // The admin key goes only to the server that holds the folder: a server file left behind by
      // a killed server may name a port that another program now listens on.
      const server = await readServerFile(storage.dataDir);
      const { dataDirHolderPid } = await import('../../lib/db/pglite-adapter.js');
      if (!server || server.pid !== (await dataDirHolderPid(storage.dataDir))) throw error;
      return await syncThroughServer(server, env, options, providers, io);
    }
    if (options.demo) {
      const size = Number(env.REPLAY_CATALOG_SIZE ?? DEMO_CATALOG_SIZE);
      replay = await startReplayServer({
        defaults: { size: Number.isSafeInteger(size) ? size : DEMO_CATALOG_SIZE },
      });
      env = { ...env, ...replay.baseUrls };
    }
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return EXIT_FAILED;
  }
  const json = io.format === 'json';
  const live = !json && io.progress ? createSyncProgress(io.progress) : null;
  try {
    const sources = createProviderSources(
      { ...env, PRICING_SYNC_PROVIDERS: providers.join(',') },
      {
        timeoutMs: config.providerTimeoutSeconds * 1000,
      },
    );
    io.err(
      `syncing ${providers.join(', ')} (store: ${store.kind}${options['dry-run'] ? ', dry run' : ''}${options.force ? ', forced' : ''})`,
    );
    const outcome = await runSync(
      {
        store,
        sources,
        settings: config,
        logger: createLogger({
          level: env.LOG_LEVEL?.trim() || (json ? 'warn' : 'error'),
          destination: process.stderr,
        }),
      },
      {
        trigger: 'cli',
        triggeredBy: osUser(),
        dryRun: options['dry-run'],
        force: options.force,
        ...(live ? { onProviderProgress: (event) => live.update(event) } : {}),
        onProviderDone: (result) => {
          if (json) return;
          if (live) live.done(result.provider, progressLine(result));
          else io.err(progressLine(result));
        },
      },
    );
    live?.stop();
    if (outcome.kind === 'refused') {
      io.err(
        `another run holds the lease: run ${outcome.holder.runId} (${outcome.holder.trigger}` +
          `${outcome.holder.triggeredBy ? ` by ${outcome.holder.triggeredBy}` : ''}) since ${outcome.holder.startedAt}`,
      );
      return EXIT_FAILED;
    }
    for (const line of summaryTable(outcome.report)) io.out(line);
    if (outcome.report.status === 'success') return EXIT_SUCCESS;
    if (outcome.report.status === 'partial') return EXIT_PARTIAL;
    return EXIT_FAILED;
  } catch (error) {
    io.err(storeFailureMessage(error, store.kind, env));
    return EXIT_FAILED;
  } finally {
    live?.stop();
    await store.close();
    await replay?.close();
  }
}

/** Asks the local server that holds the data dir to run the sync, and prints its answer. */
async function syncThroughServer(
  server: ServerFile,
  env: Record<string, string | undefined>,
  options: { 'dry-run': boolean; force: boolean; providers?: string | undefined },
  providers: readonly string[],
  io: CommandIo,
): Promise<number> {
  const secrets = await withLocalSecrets(
    { ADMIN_API_KEY: env.ADMIN_API_KEY, CRON_SECRET: env.CRON_SECRET ?? 'unused' },
    env.LOCAL_SECRETS_FILE ?? LOCAL_SECRETS_FILE,
  );
  io.err(`${server.command} (${server.url}) holds the data dir: syncing ${providers.join(', ')} through it`);
  const response = await fetch(`${server.url}/admin/pricing/scheduler/trigger`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      dry_run: options['dry-run'],
      force: options.force,
      ...(options.providers === undefined ? {} : { providers }),
    }),
  });
  const answer = (await response.json().catch(() => null)) as
    (RunReport & { running_run_id?: number; error?: string }) | null;
  if (response.status === 409) {
    io.err(`another run holds the lease: run ${answer?.running_run_id ?? '?'}`);
    return EXIT_FAILED;
  }
  if (!response.ok || !answer?.providers) {
    io.err(`${server.command} answered ${response.status}: ${answer?.error ?? 'no run report'}`);
    return EXIT_FAILED;
  }
  for (const result of Object.values(answer.providers)) io.err(progressLine(result));
  for (const line of summaryTable(answer)) io.out(line);
  if (answer.status === 'success') return EXIT_SUCCESS;
  if (answer.status === 'partial') return EXIT_PARTIAL;
  return EXIT_FAILED;
}

function progressLine(result: ProviderResult): string {
  if (result.error) return `  ${result.provider}: failed (${result.error.reason}): ${result.error.message}`;
  const c = result.counts;
  return `  ${result.provider}: ${result.outcome}, ${c.fetched} fetched, +${c.added} ~${c.changed} -${c.missing} held ${c.held} (${result.duration_seconds.toFixed(1)} s)`;
}

export function summaryTable(report: RunReport): string[] {
  const header = ['provider', 'added', 'changed', 'unchanged', 'missing', 'held', 'invalid', 'errors'];
  const rows = Object.values(report.providers).map((result) => [
    result.provider,
    String(result.counts.added + result.counts.restored),
    String(result.counts.changed),
    String(result.counts.unchanged),
    String(result.counts.missing),
    String(result.counts.held),
    String(result.counts.invalid),
    result.error ? result.error.reason : '0',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    format(header),
    ...rows.map(format),
    ...(report.dry_run ? dryRunChanges(report) : []),
    `run ${report.run_id}: ${report.status}${report.dry_run ? ' (dry run: nothing written)' : ''} in ${report.duration_seconds.toFixed(2)} s`,
  ];
}

/**
 * A dry run's answer to "what would change": each model a real run would write (the report keeps
 * each provider's first ones), with its input / output price before and after.
 */
function dryRunChanges(report: RunReport): string[] {
  const lines: string[] = [];
  const pair = (view: PricePair | null) =>
    view ? `${view.input_price_per_1m_tokens ?? '-'}/${view.output_price_per_1m_tokens ?? '-'}` : '-';
  for (const result of Object.values(report.providers)) {
    const changes = result.changes ?? [];
    if (changes.length === 0) continue;
    const total =
      result.counts.added + result.counts.restored + result.counts.changed + result.counts.missing;
    lines.push(
      `${result.provider} would change ${total} model${total === 1 ? '' : 's'}${changes.length < total ? ` (first ${changes.length} shown)` : ''} (input/output USD per 1M):`,
    );
    for (const change of changes) {
      lines.push(`  ${change.kind.padEnd(8)} ${change.model_id}  ${pair(change.old)} -> ${pair(change.new)}`);
    }
  }
  return lines;
}
