import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StoredHistogram } from '../../lib/metrics/stored-histogram.js';

describe('a histogram set from stored buckets', () => {
  const histogram = () =>
    new StoredHistogram({
      name: 'h_seconds',
      help: 'Help with a \\ and a\nnewline.',
      labelNames: ['trigger'],
      buckets: [1, 5],
    });

  it('writes cumulative buckets, +Inf equal to _count, and the stored sum as it is', () => {
    const stored = histogram();
    stored.setSeries({
      labels: { trigger: 'cron' },
      bucketCounts: new Map([
        [1, 2],
        [5, 1],
      ]),
      overflowCount: 3,
      sum: 1012.25,
    });
    expect(stored.exposition().split('\n')).toEqual([
      '# HELP h_seconds Help with a \\\\ and a\\nnewline.',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{trigger="cron",le="1"} 2',
      'h_seconds_bucket{trigger="cron",le="5"} 3',
      'h_seconds_bucket{trigger="cron",le="+Inf"} 6',
      'h_seconds_sum{trigger="cron"} 1012.25',
      'h_seconds_count{trigger="cron"} 6',
    ]);
  });

  it('escapes a label value as prom-client does', async () => {
    const value = 'a"b\\c\nd';
    const registry = new Registry();
    new Gauge({ name: 'g', help: 'g', labelNames: ['trigger'], registers: [registry] }).set(
      { trigger: value },
      1,
    );
    const promClientLabels = /g(\{.*\}) 1/.exec(await registry.metrics())![1];
    const stored = histogram();
    stored.setSeries({ labels: { trigger: value }, bucketCounts: new Map(), overflowCount: 0, sum: 0 });
    expect(stored.exposition()).toContain(`h_seconds_sum${promClientLabels} 0`);
  });

  it('refuses a series whose labels are not the histogram’s', () => {
    expect(() =>
      histogram().setSeries({ labels: { provider: 'x' }, bucketCounts: new Map(), overflowCount: 0, sum: 0 }),
    ).toThrow(/labels must be trigger/);
  });
});
