import { z } from 'zod';
import { booleanWord } from './text/boolean-word.js';
import { productionStorageError } from './db/production-storage.js';
import type { ProviderDefinition } from './providers/provider-definition.js';
import { createProviderSource, parseProviderList, PROVIDERS } from './providers/registry.js';
import type { ProviderSlug } from './providers/price-record.js';
import { VERSION } from './version.js';
import { readWebhookConfig, type WebhookConfig } from './webhooks/webhook-settings.js';

/**
 * What an invalid value disables, and nothing else (docs/configuration.md has the table):
 * - `sync`: every sync (cron, manual trigger, `npm run sync`): the PRICING_* settings, the provider
 *   list and the providers' URLs;
 * - `storage`: everything that reads or writes the database (the sync included);
 * - `pins`: setting a pin (PRICING_MAX_PRICE_PER_1M bounds pinned prices as it bounds synced ones).
 * - `webhooks`: sending webhooks (the outbox keeps every event until the setting is fixed).
 * A weak secret is listed under `access`: that one key authenticates nothing (fail closed), and a
 * bad PROMETHEUS_ENABLED or PRICES_PUBLIC keeps its endpoints closed; nothing else stops.
 */
export type ConfigScope = 'sync' | 'storage' | 'pins' | 'access' | 'webhooks';

export interface ConfigProblem {
  message: string;
  disables: readonly ConfigScope[];
}

/**
 * Every setting read from env, validated in one place. An invalid value never crashes a
 * function: it lands in `problems` with what it disables (status lists every one) and the setting
 * keeps its default, or the closed choice, so that the rest still works.
 */
export interface Config {
  enabled: boolean;
  intervalHours: number;
  providers: ProviderSlug[];
  /**
   * PRICING_STALE_AFTER_HOURS: a provider whose last success is older than this many hours is
   * stale (default twice PRICING_SYNC_INTERVAL_HOURS).
   */
  staleAfterHours: number;
  leaseSeconds: number;
  deadlineSeconds: number;
  /** Hold a provider whose catalog has fewer than this fraction of its active models. */
  maxShrink: number;
  /** Hold a model whose input or output price moves by more than this factor (decimal string). */
  maxPriceRatio: string;
  /** A price above this, USD per 1M tokens (decimal string), makes its item invalid. */
  maxPricePer1m: string;
  /** Hold a model with no earlier price priced above this, USD per 1M tokens (decimal string). */
  maxNewPricePer1m: string;
  providerTimeoutSeconds: number;
  /** Most bytes one provider may send in one run, all pages together. */
  providerMaxBytes: number;
  /** Most catalog items one provider may send in one run, all pages together. */
  providerMaxItems: number;
  /** Over this many MB of heap, the sync collects garbage between providers; 0 never. */
  gcAboveMb: number;
  cronSecret: string | null;
  /** Admin keys by name; `ADMIN_API_KEY` is named `admin`. */
  adminKeys: { name: string; key: string }[];
  metricsToken: string | null;
  /** METRICS_TOKEN is set but too weak: /metrics stays closed (fail closed) rather than open. */
  metricsTokenRejected: boolean;
  prometheusEnabled: boolean;
  /** PRICES_PUBLIC: GET /prices and the LiteLLM map open to anyone (LiteLLM sends no headers). */
  pricesPublic: boolean;
  /** PRICES_TOKEN: a bearer token for the price endpoints (admin keys work too). */
  pricesToken: string | null;
  /** PRICING_WEBHOOK_*: where and how events are sent (lib/webhooks/webhook-settings.ts). */
  webhook: WebhookConfig;
  /** Every config error's message, for status, the start-up banner and the logs. */
  errors: string[];
  problems: ConfigProblem[];
}

/** The messages of the config errors that disable `scope` (storage errors disable everything stored). */
export function configErrorsFor(
  config: { problems: readonly ConfigProblem[] },
  scope: ConfigScope,
): string[] {
  return config.problems
    .filter(
      (problem) =>
        problem.disables.includes(scope) || (scope !== 'access' && problem.disables.includes('storage')),
    )
    .map((problem) => problem.message);
}

export const DEFAULTS = {
  intervalHours: 6,
  // A provider is stale once it missed a whole interval's sync beyond the one due.
  staleAfterIntervals: 2,
  // Below the functions' maxDuration (300 s in vercel.json) so a run can record itself in time.
  deadlineSeconds: 240,
  // Longer than maxDuration, so a live run never loses its lease.
  leaseSeconds: 600,
  maxShrink: 0.5,
  maxPriceRatio: '10',
  maxPricePer1m: '1000000',
  maxNewPricePer1m: '1000',
  providerTimeoutSeconds: 30,
  // Room for a 200,000-item page and a 250,000-model run; far below what 10,000 pages of 64 MiB are.
  providerMaxBytes: 256 * 1024 * 1024,
  providerMaxItems: 500_000,
  // Over this much heap between providers, the sync collects garbage (lib/sync/heap-relief.ts).
  gcAboveMb: 128,
} as const;

const booleanSetting = z
  .string()
  .refine((value) => booleanWord(value) !== null, {
    message: 'must be one of true, false, 1, 0, yes, no',
  })
  .transform((value) => booleanWord(value) === true);

const positiveInteger = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a positive whole number')
  .transform(Number)
  .refine((value) => value > 0 && Number.isSafeInteger(value), 'must be a positive whole number');

const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number (0 or more)')
  .transform(Number)
  .refine((value) => Number.isSafeInteger(value), 'must be a whole number (0 or more)');

const fraction = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number between 0 and 1')
  .transform(Number);

const ratio = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of at least 1')
  .refine((value) => Number(value) >= 1, 'must be a number of at least 1');

const positiveDecimal = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal number')
  .refine((value) => /[1-9]/.test(value), 'must be a positive decimal number')
  .refine((value) => value.length <= 40, 'must be at most 40 characters');

type Errors = (message: string) => void;

function read<T>(
  env: Record<string, string | undefined>,
  name: string,
  schema: z.ZodType<T, string>,
  fallback: T,
  errors: Errors,
  /** What an invalid value stands for: the default unless that would open something. */
  invalidFallback: T = fallback,
): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  errors(`${name}=${JSON.stringify(raw.slice(0, 60))} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return invalidFallback;
}

/** Shortest key or secret accepted: a shorter one can be guessed, or is a typo. */
export const MIN_SECRET_LENGTH = 16;

function weakSecretProblem(value: string): string | null {
  if (/\s/.test(value)) return 'must not contain whitespace';
  if (value.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters`;
  return null;
}

/**
 * A secret from env, or null when unset. A weak one (short, or with whitespace inside) is a config
 * error naming the variable (never the value) and authenticates nothing.
 */
function secret(env: Record<string, string | undefined>, name: string, errors: Errors): string | null {
  const value = env[name]?.trim();
  if (!value) return null;
  const problem = weakSecretProblem(value);
  if (problem !== null) {
    errors(`${name} ${problem}; it authenticates nothing until fixed`);
    return null;
  }
  return value;
}

/**
 * `ADMIN_API_KEYS="ops:key1,ci:key2"` plus `ADMIN_API_KEY` (named `admin`). An entry that is not
 * `name:key` with a non-empty name of letters, digits and `._@-` and a key of at least 16 characters
 * without whitespace is an error and authenticates nothing. An entry without a `:` means a key held
 * a comma and was cut there, so the entry before it is refused as well: its key is only a prefix.
 */
function adminKeys(env: Record<string, string | undefined>, errors: Errors): { name: string; key: string }[] {
  const keys: { name: string; key: string }[] = [];
  const single = secret(env, 'ADMIN_API_KEY', errors);
  if (single) keys.push({ name: 'admin', key: single });
  const list = env.ADMIN_API_KEYS?.trim();
  if (!list) return keys;
  const entries = list.split(',').map((entry) => entry.trim());
  const accepted: ({ name: string; key: string } | null)[] = [];
  entries.forEach((entry, index) => {
    const position = `ADMIN_API_KEYS entry ${index + 1} of ${entries.length}`;
    const separator = entry.indexOf(':');
    if (separator < 0) {
      // Never echo the entry: it may hold (part of) a key.
      errors(
        `${position} is not name:key (a key containing a comma is cut there); it and the entry before it authenticate nothing`,
      );
      if (index > 0) accepted[index - 1] = null;
      accepted.push(null);
      return;
    }
    const name = entry.slice(0, separator);
    const key = entry.slice(separator + 1);
    const problem = !/^[\w.@-]{1,64}$/.test(name)
      ? 'needs a name of 1..64 letters, digits or ._@- before the colon'
      : weakSecretProblem(key);
    if (problem !== null) {
      errors(`${position}: the key ${problem}; it authenticates nothing until fixed`);
      accepted.push(null);
      return;
    }
    accepted.push({ name, key });
  });
  for (const entry of accepted) if (entry) keys.push(entry);
  return keys;
}

export function readConfig(
  env: Record<string, string | undefined>,
  /** The providers `PRICING_SYNC_PROVIDERS` may name: the registry, or a test's own list. */
  definitions: readonly ProviderDefinition[] = PROVIDERS,
): Config {
  const problems: ConfigProblem[] = [];
  const disabling: Disabling =
    (...disables) =>
    (message) =>
      problems.push({ message, disables });
  const errors = disabling('sync');
  const providers = readProviders(env, definitions, errors);
  const storageError = productionStorageError(env);
  if (storageError) disabling('storage')(storageError);
  // Read in this order, so that the problems are listed in it.
  const enabled = read(env, 'PRICING_SYNC_ENABLED', booleanSetting, true, errors);
  const intervalHours = read(
    env,
    'PRICING_SYNC_INTERVAL_HOURS',
    positiveInteger,
    DEFAULTS.intervalHours,
    errors,
  );
  const config = {
    enabled,
    intervalHours,
    providers,
    staleAfterHours: read(
      env,
      'PRICING_STALE_AFTER_HOURS',
      positiveInteger,
      DEFAULTS.staleAfterIntervals * intervalHours,
      errors,
    ),
    ...readSyncLimits(env, disabling),
    ...readAccess(env, disabling('access')),
    webhook: readWebhookConfig(env, disabling('webhooks')),
  };
  return { ...config, errors: problems.map((problem) => problem.message), problems };
}

/** Reports a problem as disabling the given scopes. */
type Disabling = (...disables: ConfigScope[]) => Errors;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `PRICING_SYNC_PROVIDERS`, each provider's own settings checked (a bad one is a config error, not a crash). */
function readProviders(
  env: Record<string, string | undefined>,
  definitions: readonly ProviderDefinition[],
  errors: Errors,
): ProviderSlug[] {
  let providers: ProviderSlug[];
  try {
    providers = parseProviderList(env.PRICING_SYNC_PROVIDERS, undefined, definitions);
  } catch (error) {
    errors(messageOf(error));
    providers = parseProviderList(undefined, undefined, definitions);
  }
  for (const slug of providers) {
    try {
      // Base URLs and the like are checked here, so a bad one is a config error, not a crash.
      createProviderSource(slug, env, {}, definitions);
    } catch (error) {
      errors(messageOf(error));
    }
  }
  return providers;
}

/** The sync's lease, deadline, guardrails, price bounds and provider budgets. */
function readSyncLimits(env: Record<string, string | undefined>, disabling: Disabling) {
  const errors = disabling('sync');
  const integer = (name: string, fallback: number) => read(env, name, positiveInteger, fallback, errors);
  return {
    leaseSeconds: integer('PRICING_SYNC_LEASE_SECONDS', DEFAULTS.leaseSeconds),
    deadlineSeconds: integer('PRICING_SYNC_DEADLINE_SECONDS', DEFAULTS.deadlineSeconds),
    maxShrink: read(env, 'PRICING_SYNC_MAX_SHRINK', fraction, DEFAULTS.maxShrink, errors),
    maxPriceRatio: read(env, 'PRICING_SYNC_MAX_PRICE_RATIO', ratio, DEFAULTS.maxPriceRatio, errors),
    maxPricePer1m: read(
      env,
      'PRICING_MAX_PRICE_PER_1M',
      positiveDecimal,
      DEFAULTS.maxPricePer1m,
      disabling('sync', 'pins'),
    ),
    maxNewPricePer1m: read(
      env,
      'PRICING_SYNC_MAX_NEW_PRICE_PER_1M',
      positiveDecimal,
      DEFAULTS.maxNewPricePer1m,
      errors,
    ),
    providerTimeoutSeconds: integer('PRICING_PROVIDER_TIMEOUT_SECONDS', DEFAULTS.providerTimeoutSeconds),
    providerMaxBytes: integer('PRICING_PROVIDER_MAX_BYTES', DEFAULTS.providerMaxBytes),
    providerMaxItems: integer('PRICING_PROVIDER_MAX_ITEMS', DEFAULTS.providerMaxItems),
    buildId: buildIdOf(env),
    gcAboveMb: read(env, 'PRICING_SYNC_GC_ABOVE_MB', wholeNumber, DEFAULTS.gcAboveMb, errors),
  };
}

/**
 * This build, for the source shortcut (lib/sync/catalog-fingerprint.ts): the package version and,
 * on Vercel, the deployment (set by the platform), so a deploy normalizes every catalog once.
 */
function buildIdOf(env: Record<string, string | undefined>): string {
  const deployment = env.VERCEL_DEPLOYMENT_ID?.trim() || env.VERCEL_GIT_COMMIT_SHA?.trim() || '';
  return deployment === '' ? VERSION : `${VERSION} ${deployment}`;
}

/** Secrets and switches of the endpoints; a problem with any disables access, never the sync. */
function readAccess(env: Record<string, string | undefined>, access: Errors) {
  return {
    cronSecret: secret(env, 'CRON_SECRET', access),
    adminKeys: adminKeys(env, access),
    metricsToken: secret(env, 'METRICS_TOKEN', access),
    metricsTokenRejected:
      Boolean(env.METRICS_TOKEN?.trim()) && secret(env, 'METRICS_TOKEN', () => undefined) === null,
    // Fail closed: a value that is not a boolean turns /metrics off rather than on.
    prometheusEnabled: read(env, 'PROMETHEUS_ENABLED', booleanSetting, true, access, false),
    pricesPublic: read(env, 'PRICES_PUBLIC', booleanSetting, false, access),
    pricesToken: secret(env, 'PRICES_TOKEN', access),
  };
}
