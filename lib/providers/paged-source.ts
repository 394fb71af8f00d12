import type { z } from 'zod';
import type { ProviderHttpClient } from '../provider-http/provider-http-client.js';
import { bodyWithItems, PagedCatalog, parseEnvelope, type PageItems } from './catalog-items.js';
import { envelopeOfKnownPage, knownLayoutOf, knownPageOf, type KnownPage } from './known-page.js';
import { readPagesInOrder, type PagePlan } from './paged-fetch.js';
import type { PriceRecord } from './price-record.js';
import { joinUrl, SourceDigest, type FetchContext, type FetchedSource } from './provider-source.js';

/** What a paged listing says of itself: where each page is, what it holds, and what comes next. */
export interface PagedListing<Schema extends z.ZodType> {
  provider: string;
  http: ProviderHttpClient;
  /** The first page's key (an offset, a page number). */
  first: number;
  /** Where the pages are (joinUrl of the base URL and path), and each page's query. */
  baseUrl: string;
  path: string;
  query(key: number): Record<string, number>;
  schema: Schema;
  /** A check that accepts only pages the schema accepts as they are (see parseEnvelope). */
  isPlain: (payload: unknown) => payload is z.output<Schema>;
  items(page: z.output<Schema>): readonly unknown[];
  /** The envelope's key that `items` reads (the items are found under it in the bytes). */
  itemsKey: string;
  /** The page after this one; called in page order, after the page's items are taken. */
  next(page: z.output<Schema>, key: number, url: URL): PagePlan;
  idKey: string;
  normalize: (item: unknown) => PriceRecord;
}

/**
 * A paged listing's two-step fetch (FetchedSource): the pages read in order with later ones
 * requested ahead (readPagesInOrder), each page's items charged to the budget and collected
 * (PagedCatalog), its URL and body digest added to the source's digest in the order read.
 *
 * A digested listing's pages are scanned for their items (json-items.ts), and each page's layout
 * is given back (`pages`) for the fingerprint. A page whose bytes are those of a known layout
 * (`context.knownPages`, known-page.ts) is not scanned when it may be unchanged: its envelope is
 * read from the layout, and its items are scanned only if `build` needs them.
 */
export async function fetchPagedSource<Schema extends z.ZodType>(
  listing: PagedListing<Schema>,
  context: FetchContext,
): Promise<FetchedSource> {
  const salt = context.itemDigestSalt;
  const deferred = context.mayBeUnchanged === true;
  const known = deferred && salt !== undefined ? context.knownPages : undefined;
  const catalog = new PagedCatalog(
    listing.idKey,
    listing.normalize,
    deferred,
    salt === undefined ? undefined : { salt },
  );
  const digest = new SourceDigest();
  const pages: KnownPage[] = [];
  await readPagesInOrder({
    signal: context.signal,
    first: listing.first,
    read: async (key, signal) => {
      const url = joinUrl(listing.baseUrl, listing.path);
      for (const [name, value] of Object.entries(listing.query(key)))
        url.searchParams.set(name, String(value));
      const body = await listing.http.getDigestedBody(url, { signal, budget: context.budget });
      const where = { provider: listing.provider, url: url.href };
      const parse = (json: unknown) => parseEnvelope(listing.schema, json, where, listing.isPlain);
      const layout = salt === undefined ? undefined : knownLayoutOf(known, salt, body.digest);
      const envelope =
        layout && body.bytes ? envelopeOfKnownPage(body.bytes(), listing.itemsKey, layout) : null;
      if (layout && envelope) {
        // Scanned only if the catalog is built after all; the same bytes scan as they did.
        const items = (): PageItems => {
          const { json, scanned } = bodyWithItems(body, listing.itemsKey, true);
          return scanned ?? listing.items(parse(json));
        };
        return { url, page: parse(envelope), items, layout, bodyDigest: body.digest };
      }
      // Digested items are found in the page's bytes and parsed only when needed (json-items.ts).
      const { json, scanned } = bodyWithItems(body, listing.itemsKey, salt !== undefined);
      return {
        url,
        page: parse(json),
        items: scanned,
        layout: scanned && salt !== undefined ? knownPageOf(salt, body.digest, scanned) : undefined,
        bodyDigest: body.digest,
      };
    },
    take: ({ url, page, items, layout, bodyDigest }, key) => {
      const listed = listing.items(page);
      context.budget?.chargeItems(listed.length, url.href);
      catalog.add(items ?? listed);
      if (layout) pages.push(layout);
      digest.add(url, bodyDigest);
      return listing.next(page, key, url);
    },
  });
  return {
    digest: digest.finish(),
    build: (options) => catalog.build(options?.unchanged, options?.unchangedId),
    itemsDigested: salt !== undefined,
    ...(salt !== undefined ? { pages } : {}),
  };
}
