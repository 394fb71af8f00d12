/**
 * PRICING_WEBHOOK_URL, PRICING_WEBHOOK_SECRET, PRICING_WEBHOOK_FORMAT and PRICING_PUBLIC_URL, read
 * and checked once, with the other settings (lib/config.ts). The URL is a secret (it often carries
 * a token, as Slack's do): no message ever quotes it.
 */

export type WebhookFormat = 'standard' | 'slack';

export interface WebhookSettings {
  url: string;
  /** `whsec_…` (Standard Webhooks); null only for the slack format, which is not signed. */
  secret: string | null;
  format: WebhookFormat;
  /** Where the console is served, for links in events; null leaves links out. */
  publicUrl: string | null;
}

/**
 * `off`: no URL set, nothing is sent (and what the outbox holds is discarded); `invalid`: a setting
 * is wrong, nothing is sent but the outbox keeps every event until it is fixed; `on`: sent.
 */
export type WebhookConfig = { mode: 'off' } | { mode: 'invalid' } | { mode: 'on'; settings: WebhookSettings };

/** The shortest secret key accepted, in bytes (Standard Webhooks asks for 24 to 64). */
const MIN_SECRET_BYTES = 24;

export function readWebhookConfig(
  env: Record<string, string | undefined>,
  errors: (message: string) => void,
): WebhookConfig {
  const problemsBefore: string[] = [];
  const report = (message: string) => {
    problemsBefore.push(message);
    errors(message);
  };
  const format = readFormat(env.PRICING_WEBHOOK_FORMAT, report);
  const publicUrl = readUrl(env.PRICING_PUBLIC_URL, 'PRICING_PUBLIC_URL', report, true);
  const rawUrl = env.PRICING_WEBHOOK_URL?.trim();
  if (!rawUrl) return problemsBefore.length > 0 ? { mode: 'invalid' } : { mode: 'off' };
  const url = readUrl(rawUrl, 'PRICING_WEBHOOK_URL', report, false);
  const secret = format === 'slack' ? null : readSecret(env.PRICING_WEBHOOK_SECRET, report);
  if (url === null || problemsBefore.length > 0 || format === null) return { mode: 'invalid' };
  return { mode: 'on', settings: { url, secret, format, publicUrl: publicUrl?.replace(/\/+$/, '') ?? null } };
}

function readFormat(raw: string | undefined, report: (message: string) => void): WebhookFormat | null {
  const value = raw?.trim();
  if (!value) return 'standard';
  if (value === 'standard' || value === 'slack') return value;
  report(`PRICING_WEBHOOK_FORMAT=${JSON.stringify(value.slice(0, 20))} must be standard or slack`);
  return null;
}

/** An http(s) URL; `quote` says whether the value may appear in the message (never for a secret). */
function readUrl(
  raw: string | undefined,
  name: string,
  report: (message: string) => void,
  quote: boolean,
): string | null {
  const value = raw?.trim();
  if (!value) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(value);
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    const shown = quote ? `=${JSON.stringify(value.slice(0, 60))}` : '';
    report(`${name}${shown} must be an http(s) URL; no webhook is sent until fixed`);
    return null;
  }
  if (parsed.username || parsed.password) {
    // fetch refuses a URL with credentials: every event would fail. Never quoted (a password).
    report(`${name} must not carry a user name or password (user:pass@): put a token in its path or query`);
    return null;
  }
  return value;
}

function readSecret(raw: string | undefined, report: (message: string) => void): string | null {
  const value = raw?.trim();
  if (!value) {
    report(
      'PRICING_WEBHOOK_SECRET is required with PRICING_WEBHOOK_URL (unless PRICING_WEBHOOK_FORMAT=slack); no webhook is sent until set',
    );
    return null;
  }
  const key = value.startsWith('whsec_') ? value.slice('whsec_'.length) : null;
  if (
    key === null ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(key) ||
    Buffer.from(key, 'base64').length < MIN_SECRET_BYTES
  ) {
    // Never echo the value: it is the signing key.
    report(
      `PRICING_WEBHOOK_SECRET must be whsec_ followed by at least ${MIN_SECRET_BYTES} base64-encoded bytes; no webhook is sent until fixed`,
    );
    return null;
  }
  return value;
}
