import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import vercelJson from '../../vercel.json' with { type: 'json' };
import { createLogger } from '../../lib/logging/logger.js';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { PUBLIC_DIR } from '../../dev/local/static-files.js';
import { ADMIN_KEY } from '../support/function-harness.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

/** What the first view of the console requests: its page, and every file that page loads. */
async function firstViewFiles(): Promise<string[]> {
  const files = ['console/index.html'];
  const pending = ['console/index.html'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const text = await readFile(join(PUBLIC_DIR, file), 'utf8');
    const references = [
      ...text.matchAll(/(?:src|href)="\/([^"#?]+\.(?:js|css))"/g),
      ...text.matchAll(/from '\.\/([^']+\.js)'/g),
    ].map((match) => (match[0].startsWith('from') ? `console/${match[1]}` : match[1]!));
    for (const reference of references) {
      if (!files.includes(reference)) {
        files.push(reference);
        pending.push(reference);
      }
    }
  }
  return files;
}

describe('the console as static files', () => {
  it('weighs at most 150 KB after gzip -9 on its first view', async () => {
    const files = await firstViewFiles();
    expect(files).toEqual(
      expect.arrayContaining(['console/app.js', 'console/console.css', 'console/chart.js']),
    );
    let total = 0;
    for (const file of files)
      total += gzipSync(await readFile(join(PUBLIC_DIR, file)), { level: 9 }).byteLength;
    expect(total).toBeLessThanOrEqual(150 * 1024);
  });

  it("renders strangers' text as text: no HTML sinks, no inline script or handler, no other origin", async () => {
    const names = (await readdir(join(PUBLIC_DIR, 'console'))).concat(['../index.html']);
    for (const name of names) {
      const text = await readFile(join(PUBLIC_DIR, 'console', name), 'utf8');
      expect(text, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      );
      expect(text, name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      if (name.endsWith('.html')) {
        expect(text, name).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
        expect(text, name).not.toMatch(/\son[a-z]+=/i);
        expect(text, name).not.toMatch(/style=/);
      }
    }
  });

  it('vercel.json sends the console its security headers', () => {
    const rule = vercelJson.headers.find((entry) => entry.source === '/(.*)');
    const headers = Object.fromEntries(rule!.headers.map(({ key, value }) => [key.toLowerCase(), value]));
    const csp = headers['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('the local runner serves public/ with vercel.json headers', () => {
  let dataDir: string;
  let runner: LocalRunner;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pricing-sync-console-'));
    // A migrated copy of the run's PGlite template: static files are tested here, not initdb.
    await copyMigratedPgliteDir(join(dataDir, 'db'));
    runner = await startLocalRunner({
      env: { PRICING_DATA_DIR: join(dataDir, 'db'), ADMIN_API_KEY: ADMIN_KEY, LOCAL_CRON: 'off' },
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await runner?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers / with links to the console, /health and /metrics', async () => {
    const response = await fetch(`${runner.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await response.text();
    for (const href of ['/console/', '/health', '/metrics']) expect(text).toContain(`href="${href}"`);
  });

  it('serves the console, its scripts as JavaScript, with the headers vercel.json sets', async () => {
    for (const path of ['/console/', '/console', '/console/index.html']) {
      const response = await fetch(`${runner.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('/console/app.js');
      expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const script = await fetch(`${runner.url}/console/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    // The functions' answers carry them too, as on Vercel.
    const health = await fetch(`${runner.url}/health`);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    const status = await fetch(`${runner.url}/admin/pricing/scheduler/status`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(((await status.json()) as { caller: string }).caller).toBe('admin');
  });

  it('serves nothing outside public/', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/console/..%2f..%2fpackage.json',
      '/%00',
    ]) {
      const response = await fetch(`${runner.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('"dependencies"');
    }
  });
});
