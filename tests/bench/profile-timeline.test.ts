import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marksBySlice, summarizeTimeline } from '../../bench/profile-summary.js';

// A .cpuprofile as node --cpu-prof writes it: a call tree, the sampled node of each sample and the
// µs since the one before. One of our functions (under lib/) calls a builtin; idle and the GC are V8's.
const profile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 4] },
    { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    {
      id: 4,
      callFrame: {
        functionName: 'itemDigest',
        url: 'file:///repo/lib/providers/item-digest.ts',
        lineNumber: 0,
      },
      children: [5],
    },
    { id: 5, callFrame: { functionName: 'hash', url: 'node:internal/crypto/hash', lineNumber: 220 } },
  ],
  startTime: 1_000_000,
  // Samples at 1.010, 1.020, ... 1.100 s (10 ms apart).
  samples: [2, 2, 4, 5, 5, 3, 4, 2, 2, 2],
  timeDeltas: [10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000],
};

describe('bench:profile --timeline', () => {
  let directory: string;
  let path: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'timeline-'));
    path = join(directory, 'phase.cpuprofile');
    await writeFile(path, JSON.stringify(profile));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('cuts the window into slices of busy, GC and idle time, charging builtins to the nearest lib/ function', async () => {
    const buckets = await summarizeTimeline(path, { windowUs: [1_005_000, 1_105_000], bucketMs: 50 });
    // Slice 0 holds the samples at 1.010-1.050 s, slice 1 those at 1.060-1.100 s.
    expect(buckets).toEqual([
      { at_ms: 0, busy_ms: 30, gc_ms: 0, idle_ms: 20, top: [['itemDigest item-digest.ts', 30]] },
      { at_ms: 50, busy_ms: 20, gc_ms: 10, idle_ms: 30, top: [['itemDigest item-digest.ts', 10]] },
    ]);
  });

  it('leaves out the samples outside the window, and shows an empty slice as one', async () => {
    const buckets = await summarizeTimeline(path, { windowUs: [1_065_000, 1_205_000], bucketMs: 50 });
    expect(buckets.map((bucket) => [bucket.busy_ms, bucket.gc_ms, bucket.idle_ms])).toEqual([
      [10, 0, 30],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('places store calls, provider phases and pages in the slices they began in', () => {
    const marks = [
      'sync started at 10.000 s',
      'call pricing_take_lease 41.2 ms (started at 10.001 s)',
      'provider nearai page at 10.060 s (100 items)',
      'provider nearai page at 10.070 s (200 items)',
      'provider featherless page at 10.080 s (100 items)',
      'provider nearai fetched at 10.120 s (rss 129 MB, heap 23 MB, external 9 MB, of it array buffers 5 MB)',
      'call pricing_commit_provider 9.6 ms (started at 10.121 s)',
      'event loop blocked at most 51 ms at a time',
    ].join('\n');
    expect(Object.fromEntries(marksBySlice(marks, 50))).toEqual({
      0: ['take_lease 41 ms'],
      1: ['nearai 2 pages', 'featherless 1 page'],
      2: ['nearai fetched', 'commit_provider 10 ms'],
    });
  });

  it('places nothing without the start line', () => {
    expect(marksBySlice('call pricing_take_lease 41.2 ms (started at 10.001 s)', 50).size).toBe(0);
  });
});
