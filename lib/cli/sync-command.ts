import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { readConfig } from '../config.js';
import { explainDatabaseConnectionError } from '../db/database-url.js';
import { openStore, storageConfigFromEnv } from '../db/open-store.js';
import { createLogger } from '../logging/logger.js';
import { parseProviderList } from '../providers/registry.js';
import { createProviderSources } from '../providers/registry.js';
import { runSync } from '../sync/run-sync.js';
import { startTracing } from '../tracing/start-tracing.js';
import type { ProviderResult, RunReport } from '../sync/sync-result.js';

export const EXIT_SUCCESS = 0;
export const EXIT_FAILED = 1;
export const EXIT_PARTIAL = 2;

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: npm run sync -- [--dry-run] [--providers a,b] [--force]';

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
  if (config.errors.length > 0) {
    io.err(`configuration errors:\n  ${config.errors.join('\n  ')}`);
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

  await startTracing(env);
  let store;
  try {
    store = await openStore(storageConfigFromEnv(env));
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return EXIT_FAILED;
  }
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
        logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', destination: process.stderr }),
      },
      {
        trigger: 'cli',
        triggeredBy: osUser(),
        dryRun: options['dry-run'],
        force: options.force,
        onProviderDone: (result) => io.err(progressLine(result)),
      },
    );
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
    const explained =
      store.kind === 'postgres'
        ? explainDatabaseConnectionError(error, env.DATABASE_URL?.trim() ?? '')
        : null;
    io.err(explained ?? (error instanceof Error ? error.message : String(error)));
    return EXIT_FAILED;
  } finally {
    await store.close();
  }
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
    `run ${report.run_id}: ${report.status}${report.dry_run ? ' (dry run: nothing written)' : ''} in ${report.duration_seconds.toFixed(2)} s`,
  ];
}
