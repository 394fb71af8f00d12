import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import { heapRelief } from '../../lib/sync/heap-relief.js';

const MB = 2 ** 20;

/** A heap whose size the test sets, and a collector that counts and leaves `after` behind. */
function fakeHeap(after: number) {
  const heap = { used: 0, collections: 0, asked: 0 };
  const options = {
    heapUsed: () => heap.used,
    collect: () => {
      heap.asked++;
      return () => {
        heap.collections++;
        heap.used = after;
      };
    },
  };
  return { heap, options };
}

describe('heap relief between providers', () => {
  it('collects only over the threshold, then again only after half of it more is allocated', () => {
    const { heap, options } = fakeHeap(100 * MB);
    const relief = heapRelief(128 * MB, options);
    heap.used = 120 * MB;
    expect(relief.relieve()).toBe(false);
    // Under the threshold, V8's collector is never even asked for (no flag is set).
    expect(heap.asked).toBe(0);
    heap.used = 129 * MB;
    expect(relief.relieve()).toBe(true);
    expect(heap.collections).toBe(1);
    // 100 MB left: the next collection waits for 100 + 64 MB.
    heap.used = 164 * MB;
    expect(relief.relieve()).toBe(false);
    heap.used = 165 * MB;
    expect(relief.relieve()).toBe(true);
    expect(heap.collections).toBe(2);
  });

  it('0 turns it off, and a runtime without a collector runs on without one', () => {
    const off = fakeHeap(0);
    off.heap.used = 10_000 * MB;
    expect(heapRelief(0, off.options).relieve()).toBe(false);
    expect(off.heap.asked).toBe(0);
    const relief = heapRelief(1, { heapUsed: () => 2, collect: () => null });
    expect(relief.relieve()).toBe(false);
  });

  it("V8's own full collection frees what is dead", () => {
    let garbage: string[][] | null = Array.from({ length: 200 }, (_, i) =>
      Array.from({ length: 2_000 }, (_, j) => `${i}:${j}:${'x'.repeat(40)}`),
    );
    const before = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(200);
    garbage = null;
    const relief = heapRelief(1);
    expect(relief.relieve()).toBe(true);
    // ~400,000 strings of ~50 bytes were dead: most of them are gone.
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 15 * MB);
  });
});

describe('PRICING_SYNC_GC_ABOVE_MB', () => {
  it('defaults to 128, takes 0 to turn it off, and refuses anything but a whole number', () => {
    expect(readConfig({}).gcAboveMb).toBe(128);
    expect(readConfig({ PRICING_SYNC_GC_ABOVE_MB: '0' }).gcAboveMb).toBe(0);
    const bad = readConfig({ PRICING_SYNC_GC_ABOVE_MB: '-5' });
    expect(bad.gcAboveMb).toBe(128);
    expect(bad.problems).toContainEqual({
      message: expect.stringContaining('PRICING_SYNC_GC_ABOVE_MB') as unknown as string,
      disables: ['sync'],
    });
  });
});
