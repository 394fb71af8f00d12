import type { ClaimedEvent } from '../db/webhook-results.js';
import { feedCursorRange } from '../domain/feed-cursor.js';
import type { WebhookSettings } from './webhook-settings.js';

/**
 * What a receiver gets for an event: the Standard Webhooks envelope `{type, timestamp, data}`
 * (docs/api.md has each type's data), or, for the slack format, `{text}`, a line for people.
 * `timestamp` is when the event was written: the body is the same on every attempt.
 */
export function webhookBody(event: ClaimedEvent, settings: WebhookSettings): string {
  if (settings.format === 'slack') return JSON.stringify({ text: slackText(event, settings.publicUrl) });
  const links = linksOf(event, settings.publicUrl);
  const feed = feedOf(event);
  const data = { ...event.data, ...(feed ? { feed } : {}), ...(links ? { links } : {}) };
  return JSON.stringify({ type: event.type, timestamp: event.createdAt, data });
}

/**
 * For prices.changed: the change feed's cursors for the history ids it announces (`since` reads
 * from the first, `next` follows on after the last), so a receiver reads the rest with
 * `GET /prices/changes?since=…` and keeps `next`. The same on every attempt (made from the ids).
 */
function feedOf(event: ClaimedEvent): { since: string; next: string } | null {
  if (event.type !== 'prices.changed') return null;
  const first = Number(event.data.first_history_id);
  const last = Number(event.data.last_history_id);
  return Number.isSafeInteger(first) && Number.isSafeInteger(last) && first >= 1 && last >= first
    ? feedCursorRange(first, last)
    : null;
}

function linksOf(event: ClaimedEvent, publicUrl: string | null): Record<string, string> | null {
  if (publicUrl === null) return null;
  const provider = typeof event.data.provider === 'string' ? event.data.provider : null;
  const links: Record<string, string> = { console: `${publicUrl}/` };
  if (event.type === 'changes.held' && provider !== null) {
    links.held = `${publicUrl}/admin/pricing/held?status=pending&provider=${encodeURIComponent(provider)}`;
  }
  if (event.type === 'sync.failed' && typeof event.data.run_id === 'number') {
    links.runs = `${publicUrl}/admin/pricing/runs`;
  }
  return links;
}

const numberOf = (value: unknown): number => (typeof value === 'number' ? value : 0);
const textOf = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/** One or two short lines a person reads in a chat: what happened, to what, and where to look. */
export function slackText(event: ClaimedEvent, publicUrl: string | null): string {
  const data = event.data;
  const provider = textOf(data.provider, 'a provider');
  const where = publicUrl === null ? '' : `\n${publicUrl}/`;
  switch (event.type) {
    case 'prices.changed': {
      const counts = data.counts && typeof data.counts === 'object' ? Object.entries(data.counts) : [];
      const detail = counts.map(([kind, count]) => `${numberOf(count)} ${kind}`).join(', ');
      return `Prices changed at ${provider}: ${numberOf(data.total)} model(s) (${detail}).${where}`;
    }
    case 'changes.held':
      return `${numberOf(data.total)} price change(s) at ${provider} held for review.${where}`;
    case 'sync.failed': {
      const failed = data.providers && typeof data.providers === 'object' ? Object.keys(data.providers) : [];
      const which = failed.length > 0 ? ` (failed: ${failed.join(', ')})` : '';
      return `Pricing sync run ${numberOf(data.run_id)} ended ${textOf(data.status, 'failed')}${which}.${where}`;
    }
    case 'provider.stale':
      return `Prices of ${provider} are stale: ${textOf(data.reason, 'no recent successful sync')}.${where}`;
    case 'provider.fresh':
      return `Prices of ${provider} are fresh again.${where}`;
  }
}
