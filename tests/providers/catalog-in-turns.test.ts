import { describe, expect, it } from 'vitest';
import { generateOpenRouterCatalog } from '../../dev/replay/generate-catalog.js';
import { ITEMS_PER_TURN, PagedCatalog } from '../../lib/providers/catalog-items.js';
import {
  normalizeOpenRouterCatalog,
  normalizeOpenRouterCatalogInTurns,
  normalizeOpenRouterModel,
} from '../../lib/providers/openrouter/normalize-openrouter.js';

describe('normalizing a large page in turns of the event loop', () => {
  it('gives the same catalog as in one go: duplicates, invalid items and order across turn boundaries', async () => {
    const models: unknown[] = generateOpenRouterCatalog({ seed: 5, size: ITEMS_PER_TURN * 2 + 31 }).data;
    // A duplicate of an early model after the first boundary, a bad item on a boundary, a non-object.
    models.splice(ITEMS_PER_TURN + 3, 0, structuredClone(models[7]));
    models.splice(ITEMS_PER_TURN * 2, 0, { id: 'acme/bad', pricing: { prompt: 'cheap' } });
    models.push('not a model');
    const inTurns = await normalizeOpenRouterCatalogInTurns(models);
    expect(inTurns).toEqual(normalizeOpenRouterCatalog(models));
    expect(inTurns.invalid.map((item) => item.id)).toEqual(
      expect.arrayContaining([(models[7] as { id: string }).id, 'acme/bad', null]),
    );
  });

  it('lets other work run between turns', async () => {
    const models = generateOpenRouterCatalog({ seed: 5, size: ITEMS_PER_TURN * 3 }).data;
    let ranBetween = false;
    setImmediate(() => {
      ranBetween = true;
    });
    const catalog = await normalizeOpenRouterCatalogInTurns(models);
    expect(ranBetween).toBe(true);
    expect(catalog.records).toHaveLength(ITEMS_PER_TURN * 3);
  });
});

describe('a paged listing kept as parsed until it is built (PagedCatalog, deferred)', () => {
  it('gives the same catalog as normalizing each page as it arrives: duplicates and invalid items across pages', async () => {
    const models: unknown[] = generateOpenRouterCatalog({ seed: 9, size: 250 }).data;
    models.splice(120, 0, structuredClone(models[3]));
    models.splice(200, 0, { id: 'acme/bad', pricing: { prompt: 'cheap' } });
    const pages = [models.slice(0, 100), models.slice(100, 200), models.slice(200)];
    const eager = new PagedCatalog('id', normalizeOpenRouterModel, false);
    const deferred = new PagedCatalog('id', normalizeOpenRouterModel, true);
    for (const page of pages) {
      eager.add(page);
      deferred.add(page);
    }
    const built = await deferred.build();
    expect(built).toEqual(await eager.build());
    expect(built).toEqual(normalizeOpenRouterCatalog(models));
    expect(built.invalid.map((item) => item.id)).toEqual([(models[3] as { id: string }).id, 'acme/bad']);
  });
});
