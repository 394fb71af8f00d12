import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import type { MetricsSnapshot } from '../../lib/db/pricing-store.js';
import { buildExposition } from '../../lib/metrics/build-exposition.js';
import { assessFreshness } from '../../lib/sync/provider-freshness.js';
import { parseExposition } from './parse-exposition.js';

const config = readConfig({ PRICING_SYNC_PROVIDERS: 'openrouter,nearai', PRICING_SYNC_INTERVAL_HOURS: '6' });

/** Stored totals as pricing_read_metrics returns them: non-cumulative buckets, decimal strings. */
const snapshot: MetricsSnapshot = {
  totals: [
    ['duration_bucket', 'cron', '5', '2'],
    ['duration_bucket', 'cron', '30', '1'],
    ['duration_bucket', 'cron', '+Inf', '1'],
    ['duration_bucket', 'manual', '1', '1'],
    ['duration_count', 'cron', '', '4'],
    ['duration_count', 'manual', '', '1'],
    ['duration_sum', 'cron', '', '1012.25'],
    ['duration_sum', 'manual', '', '0.5'],
    ['models', 'openrouter', 'added', '200'],
    ['models', 'openrouter', 'changed', '7'],
    ['models', 'openrouter', 'unchanged', '393'],
    ['models', 'featherless', 'added', '12'],
    ['price_changes', 'openrouter', 'down', '3'],
    ['price_changes', 'openrouter', 'up', '4'],
    ['provider_errors', 'nearai', 'timeout', '2'],
    ['runs', 'cron', 'abandoned', '1'],
    ['runs', 'cron', 'failed', '1'],
    ['runs', 'cron', 'success', '3'],
    ['runs', 'manual', 'partial', '1'],
  ],
  providers: [
    {
      provider: 'featherless',
      lastSuccessAt: '2026-01-20T00:00:00+00:00',
      modelsByState: { active: 12 },
      heldCount: 5,
    },
    {
      provider: 'openrouter',
      lastSuccessAt: '2026-01-26T12:00:00.25+00:00',
      modelsByState: { active: 195, variable: 3, unpriced: 1, missing: 1 },
      heldCount: 2,
    },
  ],
  inProgress: true,
};

const SEED_AND_ADDED: [name: string, type: string, labels: string[]][] = [
  ['pricing_scheduled_sync_runs_total', 'counter', ['status']],
  ['pricing_scheduled_sync_duration_seconds', 'histogram', []],
  ['pricing_last_sync_timestamp', 'gauge', ['provider']],
  ['pricing_models_synced_total', 'counter', ['provider', 'status']],
  ['pricing_sync_runs_total', 'counter', ['trigger', 'status']],
  ['pricing_sync_duration_seconds', 'histogram', ['trigger']],
  ['pricing_sync_in_progress', 'gauge', []],
  ['pricing_models', 'gauge', ['provider', 'state']],
  ['pricing_price_changes_total', 'counter', ['provider', 'direction']],
  ['pricing_provider_errors_total', 'counter', ['provider', 'reason']],
  ['pricing_held_changes', 'gauge', ['provider']],
  ['pricing_held_oldest_age_seconds', 'gauge', ['provider']],
  ['pricing_pinned_models', 'gauge', ['provider']],
  ['pricing_pin_drift_models', 'gauge', ['provider']],
  ['pricing_provider_stale', 'gauge', ['provider', 'reason']],
  ['pricing_sync_enabled', 'gauge', []],
  ['pricing_sync_interval_seconds', 'gauge', []],
  ['pricing_sync_info', 'gauge', ['version', 'providers']],
];

describe('the exposition built from stored totals', () => {
  it("has exactly the seed's and the added metric names, each with HELP and TYPE", async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    expect([...parsed.type.entries()]).toEqual(SEED_AND_ADDED.map(([name, type]) => [name, type]));
    for (const [name] of SEED_AND_ADDED) expect(parsed.help.get(name)?.length).toBeGreaterThan(10);
  });

  it('serves pricing_provider_stale for every provider with models, configured or not: 1 for its reason while stale', async () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const freshness = assessFreshness(
      [
        {
          provider: 'openrouter',
          lastSuccessAt: '2026-12-06T11:00:00Z',
          lastAttemptAt: null,
          failingSince: null,
          lastErrorReason: null,
          hasModels: true,
        },
        {
          provider: 'nearai',
          lastSuccessAt: '2026-12-05T11:00:00Z',
          lastAttemptAt: null,
          failingSince: '2026-12-05T17:00:00Z',
          lastErrorReason: 'http',
          hasModels: true,
        },
        {
          provider: 'featherless',
          lastSuccessAt: '2026-12-06T11:00:00Z',
          lastAttemptAt: null,
          failingSince: null,
          lastErrorReason: null,
          hasModels: true,
        },
        {
          provider: 'alibaba-cloud',
          lastSuccessAt: null,
          lastAttemptAt: null,
          failingSince: null,
          lastErrorReason: null,
          hasModels: false,
        },
      ],
      { providers: ['openrouter', 'nearai'], staleAfterHours: 12 },
      now,
    );
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3', freshness));
    const stale = parsed.samples.filter((sample) => sample.name === 'pricing_provider_stale');
    expect(stale.filter((sample) => sample.value === 1).map((sample) => sample.labels)).toEqual([
      { provider: 'featherless', reason: 'not_configured' },
      { provider: 'nearai', reason: 'failing' },
    ]);
    expect(new Set(stale.map((sample) => sample.labels.provider))).toEqual(
      new Set(['featherless', 'nearai', 'openrouter']),
    );
    expect(stale).toHaveLength(9);
  });

  it('labels every sample with exactly its metric’s label names (plus le on buckets)', async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    for (const sample of parsed.samples) {
      const family = SEED_AND_ADDED.find(([name, type]) =>
        type === 'histogram' ? sample.name.startsWith(`${name}_`) : sample.name === name,
      );
      expect(family, sample.name).toBeDefined();
      const [, , labels] = family!;
      const expected = sample.name.endsWith('_bucket') ? [...labels, 'le'] : labels;
      expect(Object.keys(sample.labels), sample.name).toEqual(expected);
    }
  });

  it('counts only cron runs in the seed’s scheduled metrics, and every trigger in pricing_sync_runs_total', async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    const scheduled = parsed.samples.filter((sample) => sample.name === 'pricing_scheduled_sync_runs_total');
    expect(scheduled.map((sample) => [sample.labels.status, sample.value])).toEqual([
      ['success', 3],
      ['partial', 0],
      ['failed', 1],
      ['abandoned', 1],
    ]);
    expect(parsed.value('pricing_sync_runs_total', { trigger: 'manual', status: 'partial' })).toBe(1);
    expect(parsed.value('pricing_sync_runs_total', { trigger: 'cli', status: 'success' })).toBe(0);
    // 7 triggers (cron, manual, cli and the operator's approve, reject, pin, rollback) x 4 statuses.
    expect(parsed.samples.filter((sample) => sample.name === 'pricing_sync_runs_total')).toHaveLength(28);
  });

  it('writes histograms cumulatively, with +Inf equal to _count', async () => {
    const text = await buildExposition(snapshot, config, '1.2.3');
    expect(text).toContain(
      [
        '# TYPE pricing_scheduled_sync_duration_seconds histogram',
        'pricing_scheduled_sync_duration_seconds_bucket{le="1"} 0',
        'pricing_scheduled_sync_duration_seconds_bucket{le="5"} 2',
        'pricing_scheduled_sync_duration_seconds_bucket{le="10"} 2',
        'pricing_scheduled_sync_duration_seconds_bucket{le="30"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="60"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="120"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="300"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="600"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="900"} 3',
        'pricing_scheduled_sync_duration_seconds_bucket{le="+Inf"} 4',
        'pricing_scheduled_sync_duration_seconds_sum 1012.25',
        'pricing_scheduled_sync_duration_seconds_count 4',
      ].join('\n'),
    );
    const parsed = parseExposition(text);
    for (const trigger of ['cron', 'manual', 'cli']) {
      const buckets = parsed.samples.filter(
        (sample) =>
          sample.name === 'pricing_sync_duration_seconds_bucket' && sample.labels.trigger === trigger,
      );
      expect(buckets.map((sample) => sample.labels.le)).toEqual([
        '1',
        '5',
        '10',
        '30',
        '60',
        '120',
        '300',
        '600',
        '900',
        '+Inf',
      ]);
      const values = buckets.map((sample) => sample.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const count = parsed.value('pricing_sync_duration_seconds_count', { trigger });
      expect(values.at(-1)).toBe(count);
      const stored = snapshot.totals.find(
        ([metric, label]) => metric === 'duration_count' && label === trigger,
      );
      expect(count).toBe(Number(stored?.[3] ?? 0));
    }
    expect(parsed.value('pricing_sync_duration_seconds_sum', { trigger: 'manual' })).toBe(0.5);
  });

  it('serves zero for every known label set of the configured providers', async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    for (const reason of ['http', 'timeout', 'too_large', 'schema', 'network', 'store', 'internal']) {
      expect(parsed.value('pricing_provider_errors_total', { provider: 'openrouter', reason })).toBe(0);
    }
    expect(parsed.value('pricing_provider_errors_total', { provider: 'nearai', reason: 'timeout' })).toBe(2);
    for (const status of 'added changed unchanged missing restored held invalid unpriced variable'.split(
      ' ',
    )) {
      expect(parsed.value('pricing_models_synced_total', { provider: 'nearai', status })).toBe(0);
    }
    expect(parsed.value('pricing_price_changes_total', { provider: 'nearai', direction: 'up' })).toBe(0);
    expect(parsed.value('pricing_price_changes_total', { provider: 'openrouter', direction: 'down' })).toBe(
      3,
    );
    expect(parsed.value('pricing_models', { provider: 'nearai', state: 'active' })).toBe(0);
    expect(parsed.value('pricing_held_changes', { provider: 'nearai' })).toBe(0);
  });

  it('gives per-provider gauges for configured providers only, and a timestamp only after a success', async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    expect(parsed.value('pricing_last_sync_timestamp', { provider: 'openrouter' })).toBe(1769428800.25);
    expect(parsed.value('pricing_last_sync_timestamp', { provider: 'nearai' })).toBeUndefined();
    expect(parsed.value('pricing_last_sync_timestamp', { provider: 'featherless' })).toBeUndefined();
    expect(parsed.value('pricing_held_changes', { provider: 'openrouter' })).toBe(2);
    expect(parsed.value('pricing_held_changes', { provider: 'featherless' })).toBeUndefined();
    expect(parsed.value('pricing_models', { provider: 'openrouter', state: 'variable' })).toBe(3);
    // A counter never disappears: a provider removed from the configuration keeps its totals.
    expect(parsed.value('pricing_models_synced_total', { provider: 'featherless', status: 'added' })).toBe(
      12,
    );
  });

  it('reports the configuration, the lease and the version', async () => {
    const parsed = parseExposition(await buildExposition(snapshot, config, '1.2.3'));
    expect(parsed.value('pricing_sync_in_progress')).toBe(1);
    expect(parsed.value('pricing_sync_enabled')).toBe(1);
    expect(parsed.value('pricing_sync_interval_seconds')).toBe(21600);
    expect(parsed.value('pricing_sync_info', { version: '1.2.3', providers: 'openrouter,nearai' })).toBe(1);

    const disabled = readConfig({ PRICING_SYNC_ENABLED: 'false', PRICING_SYNC_INTERVAL_HOURS: '3' });
    const empty: MetricsSnapshot = { totals: [], providers: [], inProgress: false };
    const quiet = parseExposition(await buildExposition(empty, disabled, '1.2.3'));
    expect(quiet.value('pricing_sync_enabled')).toBe(0);
    expect(quiet.value('pricing_sync_in_progress')).toBe(0);
    expect(quiet.value('pricing_sync_interval_seconds')).toBe(10800);
    expect(quiet.value('pricing_scheduled_sync_duration_seconds_count')).toBe(0);
    expect(quiet.value('pricing_scheduled_sync_runs_total', { status: 'success' })).toBe(0);
  });

  it('builds a fresh registry each time and leaves prom-client’s global one alone', async () => {
    const first = await buildExposition(snapshot, config, '1.2.3');
    const second = await buildExposition(snapshot, config, '1.2.3');
    expect(second).toBe(first);
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });

  it('refuses a stored total that is not a number rather than serving a wrong one', async () => {
    const broken: MetricsSnapshot = { ...snapshot, totals: [['runs', 'cron', 'success', 'NaN']] };
    await expect(buildExposition(broken, config, '1.2.3')).rejects.toThrow(/not a non-negative number/);
  });
});
