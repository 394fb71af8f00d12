import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import { TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js';

const SECRET_URL = 'https://hooks.example.test/services/T000/B000/very-secret-token';

describe('the webhook settings', () => {
  it('are off without a URL, and sent signed with one', () => {
    expect(readConfig({}).webhook).toEqual({ mode: 'off' });
    expect(
      readConfig({ PRICING_WEBHOOK_URL: SECRET_URL, PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }).webhook,
    ).toEqual({
      mode: 'on',
      settings: { url: SECRET_URL, secret: TEST_WEBHOOK_SECRET, format: 'standard', publicUrl: null },
    });
  });

  it('need no secret for the slack format, and link to PRICING_PUBLIC_URL without a trailing slash', () => {
    const config = readConfig({
      PRICING_WEBHOOK_URL: SECRET_URL,
      PRICING_WEBHOOK_FORMAT: 'slack',
      PRICING_PUBLIC_URL: 'https://prices.example.test/',
    });
    expect(config.errors).toEqual([]);
    expect(config.webhook).toMatchObject({
      mode: 'on',
      settings: { secret: null, format: 'slack', publicUrl: 'https://prices.example.test' },
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ PRICING_WEBHOOK_URL: SECRET_URL }, /PRICING_WEBHOOK_SECRET is required/],
    [{ PRICING_WEBHOOK_URL: SECRET_URL, PRICING_WEBHOOK_SECRET: 'not-a-whsec-secret-at-all' }, /whsec_/],
    [{ PRICING_WEBHOOK_URL: SECRET_URL, PRICING_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, /at least 24/],
    [
      {
        PRICING_WEBHOOK_URL: 'ftp://files.example.test/very-secret-token',
        PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      },
      /PRICING_WEBHOOK_URL must be an http/,
    ],
    [
      {
        PRICING_WEBHOOK_URL: 'https://hook-user:very-secret-token@hooks.example.test/x',
        PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      },
      /must not carry a user name or password/,
    ],
    [
      {
        PRICING_WEBHOOK_URL: SECRET_URL,
        PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        PRICING_WEBHOOK_FORMAT: 'teams',
      },
      /standard or slack/,
    ],
  ])(
    'refuse %j with a config error that disables webhooks only and never quotes a secret',
    (env, message) => {
      const config = readConfig(env);
      expect(config.webhook).toEqual({ mode: 'invalid' });
      expect(config.problems).toHaveLength(1);
      expect(config.problems[0]!.message).toMatch(message);
      expect(config.problems[0]!.disables).toEqual(['webhooks']);
      expect(config.problems[0]!.message).not.toContain('very-secret-token');
      expect(config.problems[0]!.message).not.toContain(env.PRICING_WEBHOOK_SECRET ?? '\u0000');
    },
  );
});
