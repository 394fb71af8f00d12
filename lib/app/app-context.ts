import { configErrorsFor, readConfig, type Config } from '../config.js';
import { storeFailureMessage } from '../db/database-url.js';
import { openStore, storageConfigFromEnv } from '../db/open-store.js';
import { PricingStore } from '../db/pricing-store.js';
import { productionStorageError } from '../db/production-storage.js';
import { UnconfiguredTransport } from '../db/unconfigured-transport.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { ProviderSource } from '../providers/provider-source.js';
import type { ProviderDefinition } from '../providers/provider-definition.js';
import { createProviderSource, PROVIDERS } from '../providers/registry.js';
import { runSync, type SyncOutcome, type SyncRequest } from '../sync/run-sync.js';
import { startTracing } from '../tracing/start-tracing.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';

/**
 * What every function needs, built once per instance from env: config, store, provider sources
 * and the logger. Serverless instances are reused between requests, so the store's connections
 * are too.
 */
export interface AppContext {
  config: Config;
  store: PricingStore;
  logger: Logger;
  env: Record<string, string | undefined>;
  /** The providers this instance knows (the registry unless a test registers its own). */
  providers: readonly ProviderDefinition[];
  /** Sources for every configured provider. */
  sources: ProviderSource[];
  sync(request: SyncRequest): Promise<SyncOutcome>;
  /** Sends the outbox's webhooks: in the background after a commit, and on every cron tick. */
  webhooks: WebhookDispatcher;
  /** Why a store call failed, in one line (`cannot reach Postgres at host:port …` when it is that). */
  explainStoreFailure(error: unknown): string;
  /**
   * When the next cron tick comes. The local runner knows (its first tick comes 30 s after start);
   * unset, it is the next match of vercel.json's schedule.
   */
  nextCronTick?: () => Date | null;
}

export function createAppContext(options: {
  env: Record<string, string | undefined>;
  store: PricingStore;
  logger?: Logger;
  /** The providers it may sync: the registry unless a test registers its own. */
  providers?: readonly ProviderDefinition[];
  /** Config errors found outside readConfig (a storage config that cannot be opened). */
  configErrors?: readonly string[];
}): AppContext {
  const providers = options.providers ?? PROVIDERS;
  const read = readConfig(options.env, providers);
  const storageProblems = (options.configErrors ?? []).map((message) => ({
    message,
    disables: ['storage' as const],
  }));
  const config = storageProblems.length
    ? {
        ...read,
        errors: [...read.errors, ...storageProblems.map((problem) => problem.message)],
        problems: [...read.problems, ...storageProblems],
      }
    : read;
  const logger = options.logger ?? createLogger();
  // With a config error that stops the sync nothing syncs (the sync's functions answer 500 naming
  // it), so build no sources. Other errors (a weak METRICS_TOKEN) leave the sync alone.
  const sources =
    configErrorsFor(config, 'sync').length > 0
      ? []
      : config.providers.map((slug) =>
          createProviderSource(
            slug,
            options.env,
            { timeoutMs: config.providerTimeoutSeconds * 1000 },
            providers,
          ),
        );
  const webhooks = new WebhookDispatcher(options.store, config.webhook, logger);
  return {
    config,
    store: options.store,
    logger,
    env: options.env,
    providers,
    sources,
    sync: async (request) => {
      const outcome = await runSync({ store: options.store, sources, settings: config, logger }, request);
      // The run's events are committed with it: send them now, without waiting.
      if (outcome.kind !== 'refused' && !request.dryRun) webhooks.afterCommit();
      return outcome;
    },
    webhooks,
    explainStoreFailure: (error) => storeFailureMessage(error, options.store.kind, options.env),
  };
}

let current: Promise<AppContext> | null = null;

/** The instance's context, from process.env, opened on first use. A failed open is retried next time. */
export function appContext(): Promise<AppContext> {
  if (!current) {
    current = (async () => {
      await startTracing(process.env);
      // No database on Vercel: readConfig lists it as a config error; nothing connects or loads a driver.
      const missing = productionStorageError(process.env);
      if (missing) {
        return createAppContext({
          env: process.env,
          store: new PricingStore(new UnconfiguredTransport(missing)),
        });
      }
      let storage;
      try {
        storage = storageConfigFromEnv(process.env);
      } catch (error) {
        // A half-set storage config (or a DATABASE_URL that is not one) is an invalid configuration
        // like any other: 500 with config_errors naming the variable, listed by status, logged by
        // the cron; nothing connects.
        const message = error instanceof Error ? error.message : String(error);
        return createAppContext({
          env: process.env,
          store: new PricingStore(new UnconfiguredTransport(message)),
          configErrors: [message],
        });
      }
      const store = await openStore(storage);
      return createAppContext({ env: process.env, store });
    })();
    current.catch(() => {
      current = null;
    });
  }
  return current;
}

/** Replaces the instance's context (the local runner and tests build their own). */
export function setAppContext(context: AppContext | null): void {
  current = context ? Promise.resolve(context) : null;
}
