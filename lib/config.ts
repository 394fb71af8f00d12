import { z } from 'zod';
import { createProviderSource, parseProviderList } from './providers/registry.js';
import type { ProviderSlug } from './providers/price-record.js';

/**
 * Every setting read from env, validated in one place. An invalid value never crashes a
 * function: it lands in `errors` (the cron answers 500 with them, status lists them) and the
 * setting keeps its default so that status can still describe the rest.
 */
export interface Config {
  enabled: boolean;
  intervalHours: number;
  providers: ProviderSlug[];
  leaseSeconds: number;
  deadlineSeconds: number;
  /** Hold a provider whose catalog has fewer than this fraction of its active models. */
  maxShrink: number;
  /** Hold a model whose input or output price moves by more than this factor (decimal string). */
  maxPriceRatio: string;
  providerTimeoutSeconds: number;
  cronSecret: string | null;
  /** Admin keys by name; `ADMIN_API_KEY` is named `admin`. */
  adminKeys: { name: string; key: string }[];
  metricsToken: string | null;
  prometheusEnabled: boolean;
  /** PRICES_PUBLIC: GET /prices and the LiteLLM map open to anyone (LiteLLM sends no headers). */
  pricesPublic: boolean;
  /** PRICES_TOKEN: a bearer token for the price endpoints (admin keys work too). */
  pricesToken: string | null;
  errors: string[];
}

export const DEFAULTS = {
  intervalHours: 6,
  // Below the functions' maxDuration (300 s in vercel.json) so a run can record itself in time.
  deadlineSeconds: 240,
  // Longer than maxDuration, so a live run never loses its lease.
  leaseSeconds: 600,
  maxShrink: 0.5,
  maxPriceRatio: '10',
  providerTimeoutSeconds: 30,
} as const;

/** The words a boolean setting or option accepts, everywhere. */
export const TRUE_WORDS = ['true', '1', 'yes', 'on'];
export const FALSE_WORDS = ['false', '0', 'no', 'off'];

const booleanSetting = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => TRUE_WORDS.includes(value) || FALSE_WORDS.includes(value), {
    message: 'must be one of true, false, 1, 0, yes, no',
  })
  .transform((value) => TRUE_WORDS.includes(value));

const positiveInteger = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a positive whole number')
  .transform(Number)
  .refine((value) => value > 0 && Number.isSafeInteger(value), 'must be a positive whole number');

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

function read<T>(
  env: Record<string, string | undefined>,
  name: string,
  schema: z.ZodType<T, string>,
  fallback: T,
  errors: string[],
): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  errors.push(
    `${name}=${JSON.stringify(raw.slice(0, 60))} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
  );
  return fallback;
}

function secret(env: Record<string, string | undefined>, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

/** `ADMIN_API_KEYS="ops:key1,ci:key2"` plus `ADMIN_API_KEY` (named `admin`). */
function adminKeys(
  env: Record<string, string | undefined>,
  errors: string[],
): { name: string; key: string }[] {
  const keys: { name: string; key: string }[] = [];
  const single = secret(env, 'ADMIN_API_KEY');
  if (single) keys.push({ name: 'admin', key: single });
  const list = env.ADMIN_API_KEYS?.trim();
  if (list) {
    for (const entry of list.split(',')) {
      const separator = entry.indexOf(':');
      const name = entry.slice(0, separator).trim();
      const key = entry.slice(separator + 1).trim();
      if (separator <= 0 || !/^[\w.@-]{1,64}$/.test(name) || key.length === 0) {
        // Never echo the entry: it holds a key.
        errors.push(
          'ADMIN_API_KEYS must be a comma-separated list of name:key (names of letters, digits, ._@-)',
        );
        continue;
      }
      keys.push({ name, key });
    }
  }
  return keys;
}

export function readConfig(env: Record<string, string | undefined>): Config {
  const errors: string[] = [];
  let providers: ProviderSlug[];
  try {
    providers = parseProviderList(env.PRICING_SYNC_PROVIDERS);
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
    providers = parseProviderList(undefined);
  }
  for (const slug of providers) {
    try {
      // Base URLs and the like are checked here, so a bad one is a config error, not a crash.
      createProviderSource(slug, env);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return {
    enabled: read(env, 'PRICING_SYNC_ENABLED', booleanSetting, true, errors),
    intervalHours: read(env, 'PRICING_SYNC_INTERVAL_HOURS', positiveInteger, DEFAULTS.intervalHours, errors),
    providers,
    leaseSeconds: read(env, 'PRICING_SYNC_LEASE_SECONDS', positiveInteger, DEFAULTS.leaseSeconds, errors),
    deadlineSeconds: read(
      env,
      'PRICING_SYNC_DEADLINE_SECONDS',
      positiveInteger,
      DEFAULTS.deadlineSeconds,
      errors,
    ),
    maxShrink: read(env, 'PRICING_SYNC_MAX_SHRINK', fraction, DEFAULTS.maxShrink, errors),
    maxPriceRatio: read(env, 'PRICING_SYNC_MAX_PRICE_RATIO', ratio, DEFAULTS.maxPriceRatio, errors),
    providerTimeoutSeconds: read(
      env,
      'PRICING_PROVIDER_TIMEOUT_SECONDS',
      positiveInteger,
      DEFAULTS.providerTimeoutSeconds,
      errors,
    ),
    cronSecret: secret(env, 'CRON_SECRET'),
    adminKeys: adminKeys(env, errors),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    prometheusEnabled: read(env, 'PROMETHEUS_ENABLED', booleanSetting, true, errors),
    pricesPublic: read(env, 'PRICES_PUBLIC', booleanSetting, false, errors),
    pricesToken: secret(env, 'PRICES_TOKEN'),
    errors,
  };
}
