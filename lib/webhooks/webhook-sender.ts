import { Webhook } from 'standardwebhooks';
import type { ClaimedEvent } from '../db/webhook-results.js';
import { webhookBody } from './webhook-body.js';
import type { WebhookSettings } from './webhook-settings.js';

/** How long one attempt may take: a receiver that hangs costs this, once per event and attempt. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

export type SendResult = { delivered: true } | { delivered: false; error: string };

export interface SendOptions {
  timeoutMs?: number;
  /** The attempt's time, signed as `webhook-timestamp` (receivers check it against their clock). */
  signedAt?: Date;
}

/**
 * One attempt: POSTs the event, signed per Standard Webhooks (`webhook-id` is the event's, the same
 * on every attempt), and says whether the receiver took it (a 2xx). Never throws; the error never
 * names the URL (it is a secret).
 */
export async function sendWebhook(
  event: ClaimedEvent,
  settings: WebhookSettings,
  options: SendOptions = {},
): Promise<SendResult> {
  const body = webhookBody(event, settings);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.format === 'standard' && settings.secret !== null) {
    const signedAt = options.signedAt ?? new Date();
    headers['webhook-id'] = event.webhookId;
    headers['webhook-timestamp'] = String(Math.floor(signedAt.getTime() / 1000));
    headers['webhook-signature'] = new Webhook(settings.secret).sign(event.webhookId, signedAt, body);
  }
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  try {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read: only the status counts, and a receiver that streams forever costs nothing.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true };
    return { delivered: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { delivered: false, error: describeFailure(error, timeoutMs) };
  }
}

/** Why a request failed, in a few words: a timeout, or the connection's error code. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : null;
  return code ? `connection failed (${code})` : 'connection failed';
}
