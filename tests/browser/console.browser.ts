import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/logger.js';
import { shiftDecimal } from '../../lib/money/decimal.js';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { openRouterBody } from '../support/sync-harness.js';

/**
 * The operator console in Chromium against the local runner (PGlite) and the replay server standing
 * in for OpenRouter: every control is found by its accessible name (issue 28's table).
 */
const ADMIN_KEY = 'browser-admin-key-0123456789';
const HOSTILE = 'acme/<img src=x onerror=alert(1)>';
const SHOTS = join('.data', 'screenshots', 'console');
const KEY_NAME = 'pricing-sync-admin-key';

describe('the operator console in Chromium', () => {
  let replay: ReplayServer;
  let runner: LocalRunner;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  /** What the browser reported as errors: a CSP violation, an uncaught exception. */
  const errors: string[] = [];

  const feed = (models: [string, string, string][]) =>
    replay.setScenario('openrouter', {
      body: openRouterBody(
        models.map(([id, input, output]) => [id, shiftDecimal(input, -6), shiftDecimal(output, -6)]),
      ),
    });
  const sync = async () => {
    const outcome = await runner.context.sync({
      trigger: 'manual',
      triggeredBy: 'browser-test',
      dryRun: false,
      force: false,
    });
    if (outcome.kind !== 'finished') throw new Error(`sync refused: ${JSON.stringify(outcome)}`);
    return outcome.report;
  };
  const admin = async (path: string) => {
    const response = await fetch(`${runner.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (await response.json()) as Record<string, any>;
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pricing-sync-browser-'));
    replay = await startReplayServer({ defaults: { size: 5 } });
    runner = await startLocalRunner({
      env: {
        ...replay.baseUrls,
        PRICING_DATA_DIR: join(dataDir, 'db'),
        PRICING_SYNC_PROVIDERS: 'openrouter',
        ADMIN_API_KEY: ADMIN_KEY,
        LOCAL_CRON: 'off',
      },
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
    feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
      [HOSTILE, '5', '6'],
    ]);
    await sync();
    // The swing: acme/a 100x, held by the guardrails.
    feed([
      ['acme/a', '100', '200'],
      ['acme/b', '3', '4'],
      [HOSTILE, '5', '6'],
    ]);
    await sync();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
      headless: true,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (entry) => {
      // Refusals (401, 409) are answers the tests ask for; anything else is a fault of the console.
      if (entry.type() === 'error' && !entry.text().startsWith('Failed to load resource'))
        errors.push(entry.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await runner?.close();
    await replay?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in with the admin key, kept in sessionStorage only, and shows who is signed in', async () => {
    await page.goto(`${runner.url}/`);
    await page.getByRole('link', { name: 'Operator console' }).click();
    await page.getByRole('textbox', { name: 'Admin key' }).fill('wrong-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    // By keyboard: the key field has the focus, Enter signs in.
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as').waitFor();
    expect(await page.getByText('Signed in as').textContent()).toContain('admin');
    expect(await page.evaluate((name) => sessionStorage.getItem(name), KEY_NAME)).toBe(ADMIN_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await page.context().cookies()).length).toBe(0);
    expect(page.url()).not.toContain(ADMIN_KEY);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('link', { name: '1 held change' }).count()).toBe(1);
    await shot('overview');
  });

  it('shows the held change with both prices and approves it; /prices then answers the new price', async () => {
    await page.getByRole('link', { name: 'Held changes', exact: true }).click();
    const approve = page.getByRole('button', { name: 'Approve openrouter/acme/a' });
    await approve.waitFor();
    const row = page.getByRole('row').filter({ has: approve });
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('$1');
    expect(text).toContain('$100');
    expect(text).toContain('100.00×');
    await shot('held-changes');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('held-changes-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('textbox', { name: 'Note' }).fill('confirmed with <b>the provider</b>');
    await approve.click();
    await page.getByText('Approved openrouter/acme/a').waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Approve openrouter/acme/a' }).count()).toBe(0);
    const prices = await admin('/prices?provider=openrouter&model_id=acme/a');
    expect(prices.prices[0].input_price_per_1m_tokens).toBe('100');

    // A change decided elsewhere meanwhile: the 409 is said in words and the row goes away.
    feed([
      ['acme/a', '10000', '20000'],
      ['acme/b', '3', '4'],
      [HOSTILE, '5', '6'],
    ]);
    await sync();
    await page.reload();
    await page.getByRole('button', { name: 'Approve openrouter/acme/a' }).waitFor();
    const pending = await admin('/admin/pricing/held');
    const response = await fetch(`${runner.url}/admin/pricing/held`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ action: 'reject', ids: [pending.held[0].id], note: 'by another operator' }),
    });
    expect(response.status).toBe(200);
    await page.getByRole('button', { name: 'Approve openrouter/acme/a' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('rejected, no longer pending');
    await expect.poll(() => page.getByRole('button', { name: 'Approve openrouter/acme/a' }).count()).toBe(0);
    await shot('held-changes-409');
  });

  it('pins a model with its current prices and shows drift once the feed moves', async () => {
    await page.getByRole('link', { name: 'Pins', exact: true }).click();
    await page.getByRole('textbox', { name: 'Provider' }).fill('openrouter');
    await page.getByRole('textbox', { name: 'Model' }).fill('acme/b');
    await page.getByRole('button', { name: 'Load current prices' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Input' }).inputValue()).toBe('3');
    expect(await page.getByRole('textbox', { name: 'Output' }).inputValue()).toBe('4');
    await page.getByRole('textbox', { name: 'Input' }).fill('2.5');
    await page.getByRole('textbox', { name: 'Reason' }).fill('negotiated contract');
    await page.getByRole('textbox', { name: 'Expires at' }).fill('2099-01-01T00:00:00Z');
    await page.getByRole('button', { name: 'Set pin' }).click();
    await page.getByRole('button', { name: 'Unpin openrouter/acme/b' }).waitFor();
    const pins = await admin('/admin/pricing/pins');
    expect(pins.pins[0].prices).toMatchObject({
      input_price_per_1m_tokens: '2.5',
      output_price_per_1m_tokens: '4',
    });

    feed([
      ['acme/a', '100', '200'],
      ['acme/b', '3.3', '4'],
      [HOSTILE, '5', '6'],
    ]);
    await sync();
    await page.reload();
    const unpin = page.getByRole('button', { name: 'Unpin openrouter/acme/b' });
    await unpin.waitFor();
    expect(await page.getByRole('row').filter({ has: unpin }).textContent()).toContain(
      'provider now in $3.3',
    );
    await shot('pins');
  });

  it('rolls back a run after a preview of what it restores', async () => {
    const runs = await admin('/admin/pricing/runs?limit=20');
    const approval = runs.runs.find((run: { trigger: string }) => run.trigger === 'approve');
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('button', { name: `Roll back run ${approval.id}` }).click();
    const preview = page.getByRole('table', { name: `What rolling back run ${approval.id} restores` });
    await preview.waitFor();
    expect(await preview.textContent()).toContain('acme/a');
    expect(await page.getByRole('checkbox', { name: 'Force' }).isChecked()).toBe(false);
    await shot('runs-rollback-preview');
    await page.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByText(`Rolled back run ${approval.id}`).waitFor();
    const prices = await admin('/prices?provider=openrouter&model_id=acme/a');
    expect(prices.prices[0].input_price_per_1m_tokens).toBe('1');

    // The first sync added acme/a, which later runs changed: a conflict, rolled back with Force.
    const first = runs.runs[runs.runs.length - 1];
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('button', { name: `Roll back run ${first.id}` }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('changed by a later run');
    await page.getByRole('checkbox', { name: 'Force' }).check();
    await page.getByRole('table', { name: `What rolling back run ${first.id} restores` }).waitFor();
    await shot('runs-rollback-force');
    await page.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByText(`Rolled back run ${first.id}`).waitFor();
    const afterForce = await admin('/admin/pricing/prices?provider=openrouter&model_id=acme/a');
    expect(afterForce.prices[0].state).toBe('missing');

    await page.goto(`${runner.url}/console/#/runs/${approval.id}`);
    await page.getByRole('table', { name: 'Changes' }).waitFor();
    expect(await page.getByRole('table', { name: 'Changes' }).textContent()).toContain('acme/a');
    await shot('run-detail');
  });

  it('searches a model and charts its history: data-points equals the history rows', async () => {
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('textbox', { name: 'Search models' }).fill('ACME/A');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'acme/a', exact: true }).click();
    const table = page.getByRole('table', { name: 'Price history' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').count();
    const history = await admin('/admin/pricing/prices?provider=openrouter&model_id=acme/a&history=true');
    expect(rows).toBe(history.history.length);
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(await page.locator('figure.chart').getAttribute('data-points')).toBe(String(rows));
    const first = history.history[history.history.length - 1].effective_at as string;
    await page.getByRole('textbox', { name: 'Price at' }).fill(first);
    await page.getByRole('button', { name: 'Show price' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('in $1 · out $2');
    await shot('model');
  });

  it('shows a hostile model id as characters: no dialog, no injected element', async () => {
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('textbox', { name: 'Search models' }).fill('onerror');
    await page.getByRole('button', { name: 'Search' }).click();
    const link = page.getByRole('link', { name: HOSTILE });
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: `openrouter/${HOSTILE}` }).waitFor();
    await page.getByRole('table', { name: 'Price history' }).waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shot('hostile-model');
  });

  it('signs out: the key is gone from sessionStorage; a refused key returns to sign-in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate((name) => sessionStorage.getItem(name), KEY_NAME)).toBeNull();
    const values = await page.evaluate(() => Object.values(sessionStorage));
    expect(values).not.toContain(ADMIN_KEY);

    await page.evaluate((name) => sessionStorage.setItem(name, 'revoked-key'), KEY_NAME);
    await page.goto(`${runner.url}/console/#/held`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('refused');
    expect(await page.evaluate((name) => sessionStorage.getItem(name), KEY_NAME)).toBeNull();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await shot('sign-in');
  });
});
