import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import type { FreshnessRow } from '../../lib/db/pricing-store.js';
import {
  assessFreshness,
  freshnessKey,
  staleProviders,
  staleReasonOf,
} from '../../lib/sync/provider-freshness.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const settings = { providers: ['openrouter', 'nearai'], staleAfterHours: 12 };

function row(
  provider: string,
  lastSuccessAt: string | null,
  extra: Partial<FreshnessRow> = {},
): FreshnessRow {
  return {
    provider,
    lastSuccessAt,
    lastAttemptAt: lastSuccessAt,
    failingSince: null,
    lastErrorReason: null,
    hasModels: true,
    ...extra,
  };
}

describe('provider freshness', () => {
  it.each([
    ['synced an hour ago', 'openrouter', hoursAgo(1), null],
    ['synced exactly at the threshold', 'openrouter', hoursAgo(12), null],
    ['failing longer than the threshold', 'openrouter', hoursAgo(12.01), 'failing'],
    ['never synced', 'nearai', null, 'never_synced'],
    [
      'removed from the configuration, even if it synced a minute ago',
      'featherless',
      hoursAgo(0),
      'not_configured',
    ],
  ] as const)('%s: %s', (_name, provider, lastSuccessAt, reason) => {
    expect(staleReasonOf({ provider, lastSuccessAt }, settings, NOW)).toBe(reason);
  });

  it('turns a failing provider stale once its last success is older than the threshold, and fresh at once when it recovers', () => {
    const failing = row('openrouter', hoursAgo(6), { failingSince: hoursAgo(5), lastErrorReason: 'http' });
    const later = new Date(NOW.getTime() + 7 * 3_600_000);
    expect(assessFreshness([failing], settings, NOW)[1]).toMatchObject({ stale: false, staleReason: null });
    expect(assessFreshness([failing], settings, later)[1]).toMatchObject({
      provider: 'openrouter',
      stale: true,
      staleReason: 'failing',
      failingSince: hoursAgo(5),
    });
    const recovered = row('openrouter', later.toISOString());
    expect(assessFreshness([recovered], settings, later)[1]).toMatchObject({
      stale: false,
      failingSince: null,
    });
  });

  it('lists every provider with models, configured or not, and every configured one, in slug order', () => {
    const rows = [
      row('openrouter', hoursAgo(1)),
      row('featherless', hoursAgo(1)),
      row('alibaba-cloud', null, { hasModels: false }),
    ];
    const list = assessFreshness(rows, settings, NOW);
    expect(
      list.map((entry) => [entry.provider, entry.configured, entry.hasModels, entry.staleReason]),
    ).toEqual([
      ['featherless', false, true, 'not_configured'],
      ['nearai', true, false, 'never_synced'],
      ['openrouter', true, true, null],
    ]);
    // Only providers with models have served rows: those are the stale ones a reader sees.
    expect([...staleProviders(list)]).toEqual([['featherless', 'not_configured']]);
  });

  it('changes the freshness key with a last success or the stale set, and only then', () => {
    const rows = [row('openrouter', hoursAgo(1)), row('nearai', hoursAgo(2))];
    const key = freshnessKey(assessFreshness(rows, settings, NOW));
    expect(freshnessKey(assessFreshness(rows, settings, new Date(NOW.getTime() + 60_000)))).toBe(key);
    expect(freshnessKey(assessFreshness(rows, settings, new Date(NOW.getTime() + 11 * 3_600_000)))).not.toBe(
      key,
    );
    expect(freshnessKey(assessFreshness(rows, { ...settings, providers: ['openrouter'] }, NOW))).not.toBe(
      key,
    );
    const synced = [row('openrouter', hoursAgo(0)), row('nearai', hoursAgo(2))];
    expect(freshnessKey(assessFreshness(synced, settings, NOW))).not.toBe(key);
  });

  it('reads PRICING_STALE_AFTER_HOURS: twice the interval by default, a positive whole number or a config error naming it', () => {
    expect(readConfig({}).staleAfterHours).toBe(12);
    expect(readConfig({ PRICING_SYNC_INTERVAL_HOURS: '3' }).staleAfterHours).toBe(6);
    expect(readConfig({ PRICING_STALE_AFTER_HOURS: '48' }).staleAfterHours).toBe(48);
    for (const bad of ['0', '-1', '1.5', 'soon']) {
      const config = readConfig({ PRICING_STALE_AFTER_HOURS: bad, PRICING_SYNC_INTERVAL_HOURS: '2' });
      expect(config.staleAfterHours, bad).toBe(4);
      expect(config.errors, bad).toEqual([
        expect.stringMatching(/^PRICING_STALE_AFTER_HOURS=.* must be a positive whole number/),
      ]);
    }
  });
});
