/** Pages of a listing requested at once, the one being waited for included. */
export const PAGES_IN_FLIGHT = 4;

/** What a page says about the listing: the key of the page after it, and how the keys go on. */
export interface PagePlan {
  /** The next page's key (an offset, a page number); null when this page was the last. */
  next: number | null;
  /** Keys go `next`, `next + step`, … up to `last`: those pages may be requested ahead. */
  step: number;
  last: number;
}

interface Pending<Page> {
  page: Promise<Page>;
  controller: AbortController;
}

/**
 * Reads a paged listing in order, with up to PAGES_IN_FLIGHT pages requested at once: a listing of
 * 84 pages was 84 requests one after another, each waiting for the provider and then for the event
 * loop. `take` handles each page strictly in order, as a one-at-a-time loop would, and says which
 * page comes next. A page requested ahead that the listing turns out not to need (it ended sooner,
 * or `take` names a key off the plan, e.g. a server that returns shorter pages than asked) is
 * aborted and whatever it gives is ignored, so the pages read are exactly the loop's.
 */
export async function readPagesInOrder<Page>(options: {
  signal?: AbortSignal | undefined;
  first: number;
  read: (key: number, signal: AbortSignal) => Promise<Page>;
  take: (page: Page, key: number) => PagePlan;
}): Promise<void> {
  const pending = new Map<number, Pending<Page>>();
  const outer = options.signal;
  const request = (key: number): Pending<Page> => {
    const existing = pending.get(key);
    if (existing) return existing;
    const controller = new AbortController();
    if (outer?.aborted) controller.abort(outer.reason);
    const page = options.read(key, controller.signal);
    // A page that is read is awaited below, where its failure is thrown; one aborted or left
    // unread is not needed, so its failure is harmless and must not become an unhandled rejection.
    page.catch(() => undefined);
    const entry = { page, controller };
    pending.set(key, entry);
    return entry;
  };
  const abortAll = () => {
    for (const { controller } of pending.values()) controller.abort(outer?.reason);
  };
  outer?.addEventListener('abort', abortAll, { once: true });
  try {
    let key: number | null = options.first;
    while (key !== null) {
      const page = await request(key).page;
      pending.delete(key);
      const plan = options.take(page, key);
      key = plan.next;
      const planned = new Set<number>();
      if (key !== null) {
        for (let ahead = key; planned.size < PAGES_IN_FLIGHT && ahead <= plan.last; ahead += plan.step) {
          planned.add(ahead);
          if (plan.step <= 0) break;
        }
        planned.add(key);
      }
      for (const [requested, { controller }] of pending) {
        if (planned.has(requested)) continue;
        controller.abort();
        pending.delete(requested);
      }
      for (const ahead of planned) request(ahead);
    }
  } finally {
    outer?.removeEventListener('abort', abortAll);
    for (const { controller } of pending.values()) controller.abort();
  }
}
