import { describe, expect, it } from 'vitest';
import { PAGES_IN_FLIGHT, readPagesInOrder } from '../../lib/providers/paged-fetch.js';
import { createNearAiSource } from '../../lib/providers/nearai/nearai-source.js';
import type { ProviderHttpClient } from '../../lib/provider-http/provider-http-client.js';

/** An offset-paged listing of `total` items whose server returns at most `cap` items a page. */
function listing(total: number, cap: number) {
  const requested: number[] = [];
  const aborted: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const read = async (offset: number, signal: AbortSignal) => {
    requested.push(offset);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      // Later pages answer sooner, so order comes from readPagesInOrder, not from the network.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 1 + ((total - offset) % 5));
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          aborted.push(offset);
          reject(new Error('aborted'));
        });
      });
      const items = Array.from({ length: Math.max(0, Math.min(cap, total - offset)) }, (_, i) => offset + i);
      return { items, total };
    } finally {
      inFlight -= 1;
    }
  };
  return { read, requested, aborted, mostInFlight: () => mostInFlight };
}

/** Reads the listing as the sources do: ask for `pageSize`, go on from where the items end. */
async function readAll(source: ReturnType<typeof listing>, pageSize: number) {
  const seen: number[] = [];
  let offset = 0;
  await readPagesInOrder({
    first: 0,
    read: source.read,
    take: (page: { items: number[]; total: number }) => {
      seen.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return { next: null, step: pageSize, last: 0 };
      return { next: offset, step: pageSize, last: page.total - 1 };
    },
  });
  return seen;
}

describe('readPagesInOrder', () => {
  it('hands every page over in order, with at most PAGES_IN_FLIGHT requests at once', async () => {
    const source = listing(2_050, 100);
    const seen = await readAll(source, 100);
    expect(seen).toEqual(Array.from({ length: 2_050 }, (_, i) => i));
    expect(source.requested.sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i * 100));
    expect(source.mostInFlight()).toBeGreaterThan(1);
    expect(source.mostInFlight()).toBeLessThanOrEqual(PAGES_IN_FLIGHT);
    expect(source.aborted).toEqual([]);
  });

  it('reads each item once when the server sends shorter pages than asked, aborting the pages planned wrong', async () => {
    const source = listing(730, 50);
    const seen = await readAll(source, 100);
    expect(seen).toEqual(Array.from({ length: 730 }, (_, i) => i));
    expect(source.aborted.length).toBeGreaterThan(0);
  });

  it('fails with the first failing page in order, and aborts the pages requested ahead', async () => {
    const source = listing(1_000, 100);
    const read = async (offset: number, signal: AbortSignal) => {
      if (offset === 300) throw new Error('page 300 failed');
      return source.read(offset, signal);
    };
    const taken: number[] = [];
    await expect(
      readPagesInOrder({
        first: 0,
        read,
        take: (page: { items: number[] }, key) => {
          taken.push(key);
          return { next: key + 100, step: 100, last: 999 };
        },
      }),
    ).rejects.toThrow('page 300 failed');
    expect(taken).toEqual([0, 100, 200]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.aborted.length).toBeGreaterThan(0);
  });

  it('stops every page when the run is aborted', async () => {
    const run = new AbortController();
    const source = listing(100_000, 100);
    const reading = readPagesInOrder({
      signal: run.signal,
      first: 0,
      read: source.read,
      take: (_page, key) => ({ next: key + 100, step: 100, last: 99_999 }),
    });
    setTimeout(() => run.abort(), 30);
    await expect(reading).rejects.toThrow('aborted');
    expect(source.aborted.length).toBeGreaterThan(0);
    expect(source.requested.length).toBeLessThan(1_000);
  });

  it('NEAR AI: a server that caps `limit` below our page size still gives every model exactly once', async () => {
    const models = Array.from({ length: 260 }, (_, i) => ({ modelId: `m/${i}` }));
    const page = (target: string | URL) => {
      const url = new URL(String(target));
      const offset = Number(url.searchParams.get('offset'));
      // Asked for 100, sends 40 at most.
      return { models: models.slice(offset, offset + 40), limit: 40, offset, total: models.length };
    };
    const http: ProviderHttpClient = {
      provider: 'nearai',
      getJson: async (target) => page(target),
      getDigestedJson: async (target) => ({ json: page(target), digest: String(target) }),
      getDigestedBody: async (target) => ({ json: () => page(target), digest: String(target) }),
    };
    const catalog = await createNearAiSource({
      baseUrl: 'http://127.0.0.1:9/v1',
      http,
      pageSize: 100,
    }).fetchCatalog();
    expect(catalog.records.map((record) => record.modelId)).toEqual(models.map((model) => model.modelId));
    expect(catalog.invalid).toEqual([]);
  });
});
