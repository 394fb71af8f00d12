import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * At a sync's provider steps (a provider fetched, committing, done), a full garbage collection when
 * the heap holds more than `aboveBytes` (live or not). V8 sizes its heap for the machine, not for the function: on a 24 GiB
 * machine it let a 250,000-model sync's heap grow to ~420 MB of mostly dead catalogs before its
 * first full collection, while what was live never passed ~145 MB (measured with a collection
 * forced at each provider; docs/performance.md). Below the threshold (every catalog of a few
 * tens of thousands of models) it costs one heap statistics read.
 */
export interface HeapRelief {
  /** Collects if the heap is over the threshold; returns whether it did. */
  relieve(): boolean;
}

/** A relief that never collects (`PRICING_SYNC_GC_ABOVE_MB=0`, and where `gc` cannot be had). */
export const NO_HEAP_RELIEF: HeapRelief = { relieve: () => false };

/** `collect` and `heapUsed` are V8's unless given (tests give their own). */
export function heapRelief(
  aboveBytes: number,
  {
    collect = fullCollection,
    heapUsed = () => getHeapStatistics().used_heap_size,
  }: { collect?: () => (() => void) | null; heapUsed?: () => number } = {},
): HeapRelief {
  if (aboveBytes <= 0) return NO_HEAP_RELIEF;
  // What a collection left: the next one waits until as much again as half the threshold has
  // been allocated since, so a heap that is mostly live is not collected at every step.
  let left = 0;
  return {
    relieve() {
      const used = heapUsed();
      if (used <= aboveBytes || used - left <= aboveBytes / 2) return false;
      // Asked for only once over the threshold: a run that never gets there sets no V8 flag.
      const gc = collect();
      if (gc === null) return false;
      gc();
      left = heapUsed();
      return true;
    },
  };
}

let cached: (() => void) | null | undefined;

/**
 * V8's own full collection. Node gives it to code only behind `--expose-gc`; the flag set at run
 * time installs `gc` in contexts made after it (the way Node's documentation sets V8 flags with
 * `v8.setFlagsFromString`), so one new context is made for it, once.
 */
function fullCollection(): (() => void) | null {
  if (cached !== undefined) return cached;
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return (cached = existing as () => void);
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    cached = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    // A runtime without V8 flags (or without vm): no relief, the sync runs as before.
    cached = null;
  }
  return cached;
}
