import type { ProviderProgress } from '../../lib/sync/run-sync.js';

/**
 * A one-line live status for `npm run sync` on a terminal: what each provider is doing while a
 * large catalog (LiteLLM's map, a 25k-model replay) takes seconds. Redrawn in place; finished
 * providers' lines are printed above it. Only used on a TTY: piped output gets no control codes.
 */
export function createSyncProgress(write: (text: string) => void, now: () => number = Date.now) {
  const states = new Map<string, { phase: ProviderProgress['phase']; items?: number; since: number }>();
  let shown = false;
  const render = () => {
    if (states.size === 0) return clear();
    const parts = [...states].map(([provider, state]) => {
      const seconds = ((now() - state.since) / 1000).toFixed(0);
      const items = (state.items ?? 0).toLocaleString('en-US');
      if (state.phase === 'fetching') {
        return state.items === undefined
          ? `${provider} fetching (${seconds} s)`
          : `${provider} fetching, ${items} items so far (${seconds} s)`;
      }
      return state.phase === 'fetched'
        ? `${provider} fetched ${items} items, waiting to apply`
        : `${provider} applying ${items} items (${seconds} s)`;
    });
    write(`\r\x1b[K  … ${parts.join(' · ')}`);
    shown = true;
  };
  const clear = () => {
    if (shown) write('\r\x1b[K');
    shown = false;
  };
  const timer = setInterval(render, 250);
  timer.unref();
  return {
    update(event: ProviderProgress) {
      const previous = states.get(event.provider);
      states.set(event.provider, {
        phase: event.phase,
        ...(event.items === undefined ? {} : { items: event.items }),
        since:
          previous && previous.phase === 'fetching' && event.phase === 'fetching' ? previous.since : now(),
      });
      render();
    },
    /** Prints a finished provider's line above the live status. */
    done(provider: string, line: string) {
      states.delete(provider);
      clear();
      write(`${line}\n`);
      render();
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}
