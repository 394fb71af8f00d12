import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import { requireKey } from '../../lib/edge/authorize.js';
import { serveMetrics } from '../../lib/functions/metrics-endpoint.js';
import type { AppContext } from '../../lib/app/app-context.js';

const STRONG = 'ops-key-0123456789abcdef';

function authenticates(keys: { name: string; key: string }[], token: string): string | null {
  const request = new Request('http://localhost/', { headers: { authorization: `Bearer ${token}` } });
  try {
    return requireKey(request, keys, 'admin');
  } catch {
    return null;
  }
}

describe('secrets from env: weak or ambiguous keys authenticate nothing', () => {
  it('refuses a one-character named key, naming the variable but never the value', () => {
    const config = readConfig({ ADMIN_API_KEYS: `ops:${STRONG},x:y` });
    expect(authenticates(config.adminKeys, 'y')).toBeNull();
    expect(authenticates(config.adminKeys, STRONG)).toBe('ops');
    expect(config.errors).toHaveLength(1);
    expect(config.errors[0]).toMatch(/ADMIN_API_KEYS/);
    expect(config.errors.join(' ')).not.toContain(STRONG);
  });

  it('does not let a comma inside a key make its prefix a key', () => {
    const config = readConfig({ ADMIN_API_KEYS: 'ops:key,with,comma' });
    expect(authenticates(config.adminKeys, 'key')).toBeNull();
    const long = readConfig({ ADMIN_API_KEYS: `ops:${STRONG},wXq7,zZp9` });
    expect(authenticates(long.adminKeys, STRONG)).toBeNull();
    expect(long.errors.join(' ')).toMatch(/ADMIN_API_KEYS/);
    expect(long.errors.join(' ')).not.toMatch(/wXq7|zZp9/);
  });

  it.each([
    ['ADMIN_API_KEY', 'short-key'],
    ['ADMIN_API_KEY', 'has whitespace in the middle'],
    ['CRON_SECRET', 'tiny'],
    ['METRICS_TOKEN', 'abc'],
    ['ADMIN_API_KEYS', `:${STRONG}`],
    ['ADMIN_API_KEYS', 'ops:'],
    ['ADMIN_API_KEYS', `o ps:${STRONG}`],
    ['ADMIN_API_KEYS', `ops:${STRONG} ${STRONG}`],
  ])('%s=%j is a config error that names the variable, not the value', (name, value) => {
    const config = readConfig({ [name]: value });
    expect(config.errors).toHaveLength(1);
    expect(config.errors[0]).toContain(name);
    expect(config.errors[0]).not.toContain(value.trim());
    expect(config.adminKeys).toEqual([]);
    expect(config.cronSecret).toBeNull();
  });

  it('keeps /metrics closed when METRICS_TOKEN is set but too weak', async () => {
    const config = readConfig({ METRICS_TOKEN: 'abc' });
    const context = { config, store: { readMetrics: () => Promise.reject(new Error('not reached')) } };
    await expect(
      serveMetrics(new Request('http://localhost/metrics'), context as unknown as AppContext),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('accepts keys of 16 or more characters', () => {
    const config = readConfig({
      ADMIN_API_KEY: 'admin-key-0123456789',
      ADMIN_API_KEYS: `ops:${STRONG}, ci:ci-key-0123456789abc`,
      CRON_SECRET: 'cron-secret-0123456789',
      METRICS_TOKEN: '0123456789abcdef',
    });
    expect(config.errors).toEqual([]);
    expect(config.adminKeys.map((entry) => entry.name)).toEqual(['admin', 'ops', 'ci']);
    expect(config.cronSecret).toBe('cron-secret-0123456789');
    expect(config.metricsToken).toBe('0123456789abcdef');
  });
});
