import { postgresStore } from '../support/test-store.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as runs } from '../../api/admin/pricing/runs.js';
import { GET as status } from '../../api/admin/pricing/scheduler/status.js';
import { GET as metrics } from '../../api/metrics.js';
import { GET as prices } from '../../api/prices.js';
import { GET as liteLlmMap } from '../../api/prices/litellm.js';
import { runAdminCommand } from '../../lib/cli/admin-command.js';
import type { ServedPrice } from '../../lib/db/pricing-store.js';
import { parseExposition } from '../metrics/parse-exposition.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

const PRICES_TOKEN = 'test-prices-token-fresh01';
const MAP_PATH = '/prices/model_prices_and_context_window.json';
const ALL = 'openrouter,nearai,litellm';
const HEADER = 'pricing-stale-providers';

type Row = ServedPrice & { stale: boolean; stale_reason: string | null };
interface ProviderView {
  provider: string;
  configured: boolean;
  last_success_at: string | null;
  stale: boolean;
  stale_reason: string | null;
  failing_since: string | null;
}

// Time is never waited for: a provider's last success is moved into the past in the database,
// whose clock every freshness judgement reads.
describe('freshness on every price', () => {
  let harness: FunctionHarness;
  const configure = (overrides: Record<string, string | undefined> = {}) =>
    harness.configure({ PRICES_TOKEN, PRICING_SYNC_PROVIDERS: ALL, ...overrides });
  const sync = async () => {
    const outcome = await harness.configure({ PRICING_SYNC_PROVIDERS: ALL }).sync({
      trigger: 'cli',
      triggeredBy: 'test',
      dryRun: false,
      force: false,
    });
    if (outcome.kind !== 'finished') throw new Error(`sync did not run: ${outcome.kind}`);
    configure();
    return outcome;
  };
  const read = (path: string, headers: Record<string, string> = {}) =>
    prices(request(path, { key: PRICES_TOKEN, headers }));
  const rows = async (path: string) => ((await (await read(path)).json()) as { prices: Row[] }).prices;
  const providers = async () => {
    const body = (await (
      await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY }))
    ).json()) as {
      providers: ProviderView[];
    };
    return new Map(body.providers.map((entry) => [entry.provider, entry]));
  };
  const staleGauge = async () =>
    parseExposition(await (await metrics(request('/metrics'))).text())
      .samples.filter((sample) => sample.name === 'pricing_provider_stale' && sample.value === 1)
      .map((sample) => `${sample.labels.provider}:${sample.labels.reason}`);
  const ageLastSuccess = (provider: string, hours: number) =>
    harness.database.admin.query(
      `update pricing_providers set last_success_at = last_success_at - make_interval(hours => $2),
              failing_since = failing_since - make_interval(hours => $2)
        where provider = $1`,
      [provider, hours],
    );

  beforeAll(async () => {
    harness = await startFunctionHarness();
    harness.replay.setScenario('all', {});
    await sync();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(async () => {
    harness.replay.setScenario('all', {});
    configure();
  });

  it('serves every row as fresh after a sync: checked_at is its provider last success', async () => {
    const all = await rows('/prices?limit=5000');
    expect(all.length).toBeGreaterThan(0);
    const view = await providers();
    for (const row of all) {
      expect(row).toMatchObject({ stale: false, stale_reason: null, pending_review: false });
      expect(row.checked_at).toBe(view.get(row.provider)!.last_success_at);
    }
    expect((await read('/prices')).headers.get(HEADER)).toBe('');
  });

  it('dates a missing model by when a sync last listed it, and the listed ones by the latest sync', async () => {
    const before = (await providers()).get('openrouter')!.last_success_at!;
    harness.replay.setScenario('openrouter', { keepFraction: 0.9 });
    await sync();
    const after = (await providers()).get('openrouter')!.last_success_at!;
    expect(after).not.toBe(before);
    const served = await rows('/prices?provider=openrouter&limit=5000');
    const missing = served.filter((row) => row.state === 'missing');
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((row) => row.checked_at === before && !row.stale)).toBe(true);
    expect(served.filter((row) => row.state !== 'missing').every((row) => row.checked_at === after)).toBe(
      true,
    );
    // Listed again: dated by the sync that listed it.
    harness.replay.setScenario('openrouter', {});
    await sync();
    const restored = await rows('/prices?provider=openrouter&limit=5000');
    const latest = (await providers()).get('openrouter')!.last_success_at!;
    expect(restored.every((row) => row.state === 'missing' || row.checked_at === latest)).toBe(true);
    expect(
      restored
        .filter((row) => missing.some((gone) => gone.model_id === row.model_id))
        .map((row) => row.state),
    ).not.toContain('missing');
  });

  it('turns a provider failing longer than PRICING_STALE_AFTER_HOURS stale, and fresh again at once when it recovers', async () => {
    harness.replay.setScenario('nearai', { failFirst: 1_000, errorStatus: 400 });
    await sync();
    let view = (await providers()).get('nearai')!;
    expect(view).toMatchObject({ stale: false, stale_reason: null });
    expect(view.failing_since).not.toBeNull();
    const failingSince = view.failing_since;

    // Another failed sync keeps the streak's start.
    await sync();
    expect((await providers()).get('nearai')!.failing_since).toBe(failingSince);

    // Default threshold: twice PRICING_SYNC_INTERVAL_HOURS (6) = 12 hours.
    await ageLastSuccess('nearai', 11);
    expect((await rows('/prices?provider=nearai')).every((row) => !row.stale)).toBe(true);
    await ageLastSuccess('nearai', 2);
    const stale = await rows('/prices?provider=nearai');
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.every((row) => row.stale && row.stale_reason === 'failing')).toBe(true);
    expect((await providers()).get('nearai')).toMatchObject({ stale: true, stale_reason: 'failing' });
    expect(await staleGauge()).toEqual(['nearai:failing']);
    // A longer threshold makes it fresh again.
    configure({ PRICING_STALE_AFTER_HOURS: '24' });
    expect((await rows('/prices?provider=nearai')).every((row) => !row.stale)).toBe(true);
    configure();

    harness.replay.setScenario('nearai', {});
    await sync();
    expect((await rows('/prices?provider=nearai')).every((row) => !row.stale)).toBe(true);
    view = (await providers()).get('nearai')!;
    expect(view).toMatchObject({ stale: false, stale_reason: null, failing_since: null });
    expect(await staleGauge()).toEqual([]);
  });

  it('makes a provider removed from the configuration stale from the next read, and never answers 304 across it', async () => {
    const first = await read('/prices?limit=5000');
    const etag = first.headers.get('etag')!;
    expect((await read('/prices?limit=5000', { 'if-none-match': etag })).status).toBe(304);

    configure({ PRICING_SYNC_PROVIDERS: 'openrouter,litellm' });
    const after = await read('/prices?limit=5000', { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get(HEADER)).toBe('nearai');
    const served = ((await after.json()) as { prices: Row[] }).prices;
    expect(served.filter((row) => row.stale).every((row) => row.provider === 'nearai')).toBe(true);
    expect(
      served.filter((row) => row.provider === 'nearai').every((row) => row.stale_reason === 'not_configured'),
    ).toBe(true);
    const view = await providers();
    expect(view.get('nearai')).toMatchObject({
      configured: false,
      stale: true,
      stale_reason: 'not_configured',
    });
    expect(await staleGauge()).toEqual(['nearai:not_configured']);

    // Back in the configuration: fresh again, and the stale-set ETag no longer validates.
    const staleEtag = after.headers.get('etag')!;
    configure();
    expect((await read('/prices?limit=5000', { 'if-none-match': staleEtag })).status).toBe(200);
  });

  it("shows each change in a run's detail with its provider's freshness now", async () => {
    const admin = async (path: string) =>
      (await (await runs(request(path, { key: ADMIN_KEY }))).json()) as Record<string, unknown>;
    const listed = (await admin('/admin/pricing/runs?limit=200')).runs as { id: number }[];
    const first = listed[listed.length - 1]!.id;
    configure({ PRICING_SYNC_PROVIDERS: 'openrouter,litellm' });
    const detail = await admin(`/admin/pricing/runs?run_id=${first}`);
    const changes = detail.changes as {
      provider: string;
      stale: boolean;
      stale_reason: string | null;
      checked_at: string | null;
    }[];
    expect(new Set(changes.map((change) => change.provider))).toEqual(
      new Set(['openrouter', 'nearai', 'litellm']),
    );
    for (const change of changes) {
      expect(change.checked_at).toEqual(expect.any(String));
      expect([change.stale, change.stale_reason]).toEqual(
        change.provider === 'nearai' ? [true, 'not_configured'] : [false, null],
      );
    }
  });

  it('leaves out with ?stale=false exactly the providers the header names, on /prices and on the LiteLLM map', async () => {
    configure({ PRICING_SYNC_PROVIDERS: 'openrouter,litellm' });
    const everything = await read('/prices?limit=5000');
    const named = everything.headers.get(HEADER)!.split(',').filter(Boolean);
    const served = ((await everything.json()) as { prices: Row[] }).prices;
    expect(named).toEqual(['nearai']);
    expect([...new Set(served.filter((row) => row.stale).map((row) => row.provider))]).toEqual(named);

    const fresh = await read('/prices?limit=5000&stale=false');
    expect(fresh.headers.get(HEADER)).toBe('nearai');
    expect(fresh.headers.get('etag')).not.toBe(everything.headers.get('etag'));
    const kept = ((await fresh.json()) as { prices: Row[] }).prices;
    expect(kept).toEqual(served.filter((row) => !row.stale));
    expect((await read('/prices?stale=maybe')).status).toBe(400);

    const map = async (query: string, headers: Record<string, string> = {}) =>
      liteLlmMap(request(`${MAP_PATH}${query}`, { key: PRICES_TOKEN, headers }));
    const withStale = await map('');
    expect(withStale.status).toBe(200);
    expect(withStale.headers.get(HEADER)).toBe('nearai');
    const keys = Object.keys((await withStale.json()) as object);
    expect(keys.some((key) => key.startsWith('nearai/'))).toBe(true);
    const withoutStale = await map('?stale=false');
    expect(withoutStale.headers.get(HEADER)).toBe('nearai');
    const freshKeys = Object.keys((await withoutStale.json()) as object);
    expect(freshKeys.some((key) => key.startsWith('nearai/'))).toBe(false);
    expect(freshKeys.some((key) => key.startsWith('openrouter/'))).toBe(true);
    expect((await map('?stale=0')).status).toBe(400);

    // The map's ETag follows the stale set too.
    const etag = withStale.headers.get('etag')!;
    expect((await map('', { 'if-none-match': etag })).status).toBe(304);
    configure();
    const changed = await map('', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get(HEADER)).toBe('');
  });

  it('prints the status provider table with npm run admin -- providers', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const open = async () => postgresStore(harness.database.url);
    const env = {
      ...harness.env,
      PRICING_SYNC_PROVIDERS: 'openrouter,litellm',
      DATABASE_URL: harness.database.url,
    };
    const code = await runAdminCommand(
      ['providers', '--json'],
      env,
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      open,
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const body = JSON.parse(out.join('\n')) as { providers: ProviderView[] };
    configure({ PRICING_SYNC_PROVIDERS: 'openrouter,litellm' });
    const view = await providers();
    expect(body.providers).toEqual([...view.values()]);
    expect(body.providers.find((entry) => entry.provider === 'nearai')).toMatchObject({
      stale: true,
      stale_reason: 'not_configured',
    });

    const text: string[] = [];
    await runAdminCommand(
      ['providers'],
      env,
      { out: (l) => text.push(l), err: () => undefined, format: 'text' },
      open,
    );
    expect(text[0]).toMatch(
      /^provider\s+configured\s+last_success_at\s+stale\s+stale_reason\s+failing_since$/,
    );
    expect(text.some((line) => /^nearai\s+false\s+\S+\s+true\s+not_configured/.test(line))).toBe(true);
  });
});
