import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as liteLlmMap } from '../../api/prices/litellm.js';
import { activePriceOf } from '../../lib/db/rpc-results.js';
import { buildLiteLlmMap, liteLlmMapStream } from '../../lib/functions/litellm-map.js';
import { LITELLM_ROUTES } from '../../lib/providers/registry.js';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { normalizeDecimal } from '../../lib/money/decimal.js';
import { createProviderSource } from '../../lib/providers/registry.js';
import { normalizeLiteLlmCostMap } from '../../lib/providers/litellm/normalize-litellm.js';
import { request, startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';

const PRICES_TOKEN = 'test-prices-token-litellm';
const MAP_PATH = '/prices/model_prices_and_context_window.json';
const FIXTURE = join(
  process.cwd(),
  '..',
  'shared',
  'fixtures',
  'providers',
  'litellm_model_prices_sample.json',
);
const ALL_PROVIDERS = 'openrouter,featherless,nearai,alibaba-cloud,litellm';

/**
 * What LiteLLM itself checks, with where each rule comes from (BerriAI/litellm):
 * - litellm/litellm_core_utils/get_model_cost_map.py, `GetModelCostMap._check_is_valid_dict`: the
 *   fetched map is a non-empty JSON object, else it falls back to its packaged copy.
 * - same file, `_check_model_count_not_reduced` and `_count_model_entries`: entries other than the
 *   reserved `sample_spec` and `fallback_generalizations` are counted; fewer than
 *   `MODEL_COST_MAP_MIN_MODEL_COUNT` (litellm/constants.py), or fewer than the packaged copy's count
 *   times `MODEL_COST_MAP_MAX_SHRINK_RATIO`, is refused. We can only promise not to shrink the map
 *   we were given: every entry of it must be in ours.
 * - tests/litellm/test_model_prices_and_context_window_schema.py, `INTENDED_SCHEMA`: every entry
 *   is an object whose keys are from a fixed list (`additionalProperties: False`), cost and
 *   `max_*` keys are numbers, `litellm_provider` a string, `mode` one of a fixed set.
 */
const RESERVED_KEYS = new Set(['sample_spec', 'fallback_generalizations']);
const MODES = [
  'audio_speech',
  'audio_transcription',
  'chat',
  'completion',
  'embedding',
  'image_generation',
  'moderation',
  'rerank',
];
/** The keys our layered entries may write, each in INTENDED_SCHEMA with this type. */
const SCHEMA_TYPES: Record<string, 'number' | 'string'> = {
  input_cost_per_token: 'number',
  output_cost_per_token: 'number',
  cache_read_input_token_cost: 'number',
  cache_creation_input_token_cost: 'number',
  input_cost_per_request: 'number',
  input_cost_per_image: 'number',
  max_input_tokens: 'number',
  max_tokens: 'number',
  litellm_provider: 'string',
  mode: 'string',
};

function countModels(map: Record<string, unknown>): number {
  return Object.keys(map).filter((key) => !RESERVED_KEYS.has(key)).length;
}

function checkLayeredEntry(key: string, entry: unknown): void {
  expect(typeof entry === 'object' && entry !== null && !Array.isArray(entry), key).toBe(true);
  for (const [name, value] of Object.entries(entry as Record<string, unknown>)) {
    const type = SCHEMA_TYPES[name];
    expect(type, `${key}.${name} is not a key we may write`).toBeDefined();
    expect(typeof value, `${key}.${name}`).toBe(type);
  }
  expect(MODES).toContain((entry as { mode: string }).mode);
}

async function readText(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('LiteLLM map: building and round trip', () => {
  const awkwardDecimal = fc
    .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: -3, max: 17 }))
    .map(([digits, scale]) => normalizeDecimal(`${digits}e${-scale}`));
  const modelId = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,30}$/);
  const row = fc.tuple(
    fc.constantFrom(...Object.keys(LITELLM_ROUTES)),
    modelId,
    awkwardDecimal,
    awkwardDecimal,
    fc.option(awkwardDecimal),
    fc.option(awkwardDecimal),
    fc.option(awkwardDecimal),
    fc.option(awkwardDecimal),
    fc.option(fc.integer({ min: 1, max: 2_000_000 })),
  );

  it('gives our own litellm source back exactly the prices we stored, for awkward decimals of up to 15 digits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(row, { selector: (item) => `${item[0]}:${item[1]}`, maxLength: 40 }),
        async (rows) => {
          const prices = rows.map((row, index) => activePriceOf([...row, {}, []], index));
          const text = await readText(
            liteLlmMapStream(buildLiteLlmMap({ version: '1', notModified: false, entries: {}, prices })),
          );
          const parsed = JSON.parse(text) as Record<string, unknown>;
          const catalog = normalizeLiteLlmCostMap('litellm', parsed);
          expect(catalog.invalid).toEqual([]);
          const byId = new Map(catalog.records.map((record) => [record.modelId, record]));
          for (const [
            provider,
            id,
            input,
            output,
            cacheRead,
            cacheWrite,
            requestUsd,
            image,
            context,
          ] of rows) {
            const key = `${LITELLM_ROUTES[provider]}/${id}`;
            expect(byId.get(key)).toMatchObject({
              inputUsdPerMillionTokens: input,
              outputUsdPerMillionTokens: output,
              cacheReadUsdPerMillionTokens: cacheRead,
              cacheWriteUsdPerMillionTokens: cacheWrite,
              requestUsd,
              imageUsd: image,
              contextLength: context,
            });
            checkLayeredEntry(key, parsed[key]);
            expect((parsed[key] as { litellm_provider: string }).litellm_provider).toBe(
              LITELLM_ROUTES[provider],
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the keys of an existing entry it layers over, and overrides only its prices', async () => {
    const text = await readText(
      liteLlmMapStream(
        buildLiteLlmMap({
          version: '1',
          notModified: false,
          entries: {
            'openrouter/acme/m': {
              litellm_provider: 'openrouter',
              mode: 'chat',
              max_output_tokens: 4096,
              supports_vision: true,
              input_cost_per_token: 9e-6,
            },
          },
          prices: [
            activePriceOf(['openrouter', 'acme/m', '1.5', '2', null, null, null, null, 128000, {}, []], 0),
          ],
        }),
      ),
    );
    expect(text).toContain('"input_cost_per_token":1.5e-06');
    expect(JSON.parse(text)).toEqual({
      'openrouter/acme/m': {
        litellm_provider: 'openrouter',
        mode: 'chat',
        max_output_tokens: 4096,
        supports_vision: true,
        input_cost_per_token: 1.5e-6,
        output_cost_per_token: 2e-6,
        max_input_tokens: 128000,
        max_tokens: 128000,
      },
    });
  });
});

describe("LiteLLM map: a price that is not the feed entry's", () => {
  const build = async (
    entries: Record<string, Record<string, unknown>>,
    rows: unknown[][],
  ): Promise<Record<string, Record<string, unknown>>> =>
    JSON.parse(
      await readText(
        liteLlmMapStream(
          buildLiteLlmMap({
            version: '1',
            notModified: false,
            entries,
            prices: rows.map((row, index) => activePriceOf(row, index)),
          }),
        ),
      ),
    ) as Record<string, Record<string, unknown>>;

  it("serves none of the feed entry's cost keys for a held, rejected or pinned litellm model, only ours", async () => {
    // The feed swung 100x and gained a cache price; the change was held (or rejected, or the model
    // is pinned): our stored price is still 1 / 2 per 1M with no cache price.
    const map = await build(
      {
        'acme-chat': {
          litellm_provider: 'openai',
          mode: 'chat',
          max_input_tokens: 1000,
          input_cost_per_token: 1e-4,
          output_cost_per_token: 2e-6,
          cache_read_input_token_cost: 1e-7,
          output_cost_per_reasoning_token: 5e-6,
        },
      },
      [['litellm', 'acme-chat', '1', '2', null, null, null, null, 1000, {}, []]],
    );
    expect(map['acme-chat']).toEqual({
      litellm_provider: 'openai',
      mode: 'chat',
      max_input_tokens: 1000,
      input_cost_per_token: 1e-6,
      output_cost_per_token: 2e-6,
    });
  });

  it('passes a litellm entry through unchanged while our price is the one it says', async () => {
    const entry = {
      litellm_provider: 'openai',
      mode: 'chat',
      input_cost_per_token: 1e-6,
      output_cost_per_token: 2e-6,
      output_cost_per_reasoning_token: 5e-6,
    };
    const map = await build({ 'acme-chat': entry }, [
      [
        'litellm',
        'acme-chat',
        '1',
        '2',
        null,
        null,
        null,
        null,
        null,
        { internal_reasoning_per_1m_tokens: '5' },
        [],
      ],
    ]);
    expect(map['acme-chat']).toEqual(entry);
  });

  it("drops LiteLLM's cost keys under one of our routes and writes our tiers as LiteLLM keys", async () => {
    const map = await build(
      {
        'openrouter/acme/m': {
          litellm_provider: 'openrouter',
          mode: 'chat',
          input_cost_per_token: 9e-6,
          cache_read_input_token_cost: 1e-7,
        },
      },
      [
        [
          'openrouter',
          'acme/m',
          '1.5',
          '2',
          null,
          null,
          null,
          null,
          null,
          {},
          [{ min_prompt_tokens: 200001, input_per_1m_tokens: '3', output_per_1m_tokens: '4' }],
        ],
      ],
    );
    expect(map['openrouter/acme/m']).toEqual({
      litellm_provider: 'openrouter',
      mode: 'chat',
      input_cost_per_token: 1.5e-6,
      output_cost_per_token: 2e-6,
      input_cost_per_token_above_200k_tokens: 3e-6,
      output_cost_per_token_above_200k_tokens: 4e-6,
    });
  });
});

describe('GET /prices/model_prices_and_context_window.json', () => {
  let harness: FunctionHarness;
  let runner: LocalRunner | undefined;
  const fixtureAvailable = existsSync(FIXTURE);

  beforeAll(async () => {
    harness = await startFunctionHarness();
  });
  afterAll(async () => {
    await runner?.close();
    await harness.close();
  });

  it('answers 409 naming PRICING_SYNC_PROVIDERS when the litellm provider is not enabled', async () => {
    harness.configure({ PRICES_TOKEN, PRICING_SYNC_PROVIDERS: 'openrouter,nearai' });
    const response = await liteLlmMap(request(MAP_PATH, { key: PRICES_TOKEN }));
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /add litellm to PRICING_SYNC_PROVIDERS/,
    );
  });

  it('fails closed without PRICES_TOKEN and admin keys, and answers 503 before the first litellm sync', async () => {
    harness.configure({
      PRICING_SYNC_PROVIDERS: ALL_PROVIDERS,
      ADMIN_API_KEY: undefined,
      ADMIN_API_KEYS: undefined,
    });
    expect((await liteLlmMap(request(MAP_PATH))).status).toBe(401);
    harness.configure({ PRICES_TOKEN, PRICING_SYNC_PROVIDERS: ALL_PROVIDERS });
    const response = await liteLlmMap(request(MAP_PATH, { key: PRICES_TOKEN }));
    expect(response.status).toBe(503);
  });

  it.skipIf(!fixtureAvailable)(
    'serves real LiteLLM data unchanged with our prices layered over it, as LiteLLM checks a map, and as our own source reads it back',
    async () => {
      const upstream = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
      // `_note` is the fixture's own annotation (see SOURCES.md), not part of LiteLLM's map.
      delete upstream._note;
      harness.replay.setScenario('litellm', { body: upstream });
      const context = harness.configure({ PRICES_PUBLIC: 'true', PRICING_SYNC_PROVIDERS: ALL_PROVIDERS });
      const outcome = await context.sync({
        trigger: 'cli',
        triggeredBy: 'test',
        dryRun: false,
        force: false,
      });
      expect(outcome.kind).toBe('finished');

      runner = await startLocalRunner({
        env: {
          ...harness.env,
          PRICES_PUBLIC: 'true',
          PRICING_SYNC_PROVIDERS: ALL_PROVIDERS,
          LOCAL_CRON: 'off',
        },
        // Any free port: 3000 is `npm start`'s, and may be taken on the machine running the tests.
        port: 0,
        store: harness.store,
      });
      // As LiteLLM fetches it: a plain GET, no headers, through vercel.json's rewrite.
      const response = await fetch(`${runner.url}${MAP_PATH}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toMatch(/^public, .*s-maxage=/);
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      const etag = response.headers.get('etag')!;
      const text = await response.text();
      const served = JSON.parse(text) as Record<string, unknown>;

      // _check_is_valid_dict and _check_model_count_not_reduced: a non-empty object, no smaller
      // than the map it was built from.
      expect(typeof served === 'object' && !Array.isArray(served)).toBe(true);
      expect(countModels(served)).toBeGreaterThanOrEqual(countModels(upstream));
      // Every upstream model entry passes through: same keys, same values.
      for (const [key, entry] of Object.entries(upstream)) {
        if (RESERVED_KEYS.has(key)) continue;
        expect({ key, entry: served[key] }).toEqual({ key, entry });
      }

      const stored = await harness.database.admin.query<{
        provider: string;
        model_id: string;
        state: string;
      }>(`select provider, model_id, state from model_pricing where provider <> 'litellm'`);
      const layered = stored.rows.filter((row) => row.state === 'active');
      expect(new Set(layered.map((row) => row.provider))).toEqual(
        new Set(['openrouter', 'featherless', 'nearai', 'alibaba-cloud']),
      );
      for (const row of layered) {
        const key = `${LITELLM_ROUTES[row.provider]}/${row.model_id}`;
        expect(served, key).toHaveProperty([key]);
        // Entries we write follow INTENDED_SCHEMA; one LiteLLM already had keeps its own keys.
        if (!Object.hasOwn(upstream, key)) checkLayeredEntry(key, served[key]);
      }
      for (const row of stored.rows.filter(
        (item) => item.state !== 'active' && item.provider === 'openrouter',
      )) {
        expect(served).not.toHaveProperty([`openrouter/${row.model_id}`]);
      }

      // Round trip: our litellm source reads the served map and gets exactly the stored prices.
      const source = createProviderSource('litellm', { LITELLM_PRICES_URL: `${runner.url}${MAP_PATH}` });
      const catalog = await source.fetchCatalog();
      const readBack = new Map(catalog.records.map((record) => [record.modelId, record]));
      const priced = await harness.database.admin.query<{
        provider: string;
        model_id: string;
        input: string | null;
        output: string | null;
        cache_read: string | null;
      }>(
        `select provider, model_id, trim_scale(input_price_per_1m_tokens)::text as input,
                trim_scale(output_price_per_1m_tokens)::text as output,
                trim_scale(cache_read_price_per_1m_tokens)::text as cache_read
           from model_pricing where state = 'active' and provider <> 'litellm'`,
      );
      expect(priced.rows.length).toBeGreaterThan(50);
      for (const row of priced.rows) {
        expect(readBack.get(`${LITELLM_ROUTES[row.provider]}/${row.model_id}`)).toMatchObject({
          inputUsdPerMillionTokens: row.input,
          outputUsdPerMillionTokens: row.output,
          cacheReadUsdPerMillionTokens: row.cache_read,
        });
      }

      // Unchanged prices: 304 for the ETag just served.
      const again = await fetch(`${runner.url}${MAP_PATH}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      // Our own ETag with a version past bigint's range names no version of ours: a 200, never a 500.
      const forged = etag.replace(/-v\d+-/, '-v9223372036854775808-');
      const full = await fetch(`${runner.url}${MAP_PATH}`, { headers: { 'if-none-match': forged } });
      expect(full.status).toBe(200);
      expect(Object.keys((await full.json()) as object).length).toBe(Object.keys(served).length);
    },
  );

  it.skipIf(!fixtureAvailable)(
    'keeps a held LiteLLM entry as it was and passes through a changed non-price key',
    async () => {
      const upstream = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, unknown>>;
      delete upstream._note;
      const context = harness.configure({ PRICES_PUBLIC: 'true', PRICING_SYNC_PROVIDERS: ALL_PROVIDERS });
      harness.replay.setScenario('litellm', { body: upstream });
      await context.sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });

      const next = structuredClone(upstream);
      next['deepseek-chat']!.input_cost_per_token = 3.36e-6; // 12x: held by the guardrails
      next['deepseek-chat']!.supports_vision = true;
      next['claude-sonnet-4-5']!.supports_vision = false; // a non-price key only
      harness.replay.setScenario('litellm', { body: next });
      const outcome = await context.sync({
        trigger: 'cli',
        triggeredBy: 'test',
        dryRun: false,
        force: false,
      });
      expect(JSON.stringify(outcome)).toMatch(/price_swing/);

      const served = JSON.parse(await (await liteLlmMap(request(MAP_PATH))).text()) as Record<
        string,
        Record<string, unknown>
      >;
      expect(served['deepseek-chat']).toEqual(upstream['deepseek-chat']);
      expect(served['claude-sonnet-4-5']).toEqual(next['claude-sonnet-4-5']);
    },
  );

  it.skipIf(!fixtureAvailable)(
    'an entry with an absurd price costs that entry only: it keeps its previous version, the rest of the map updates',
    async () => {
      const upstream = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, unknown>>;
      delete upstream._note;
      const context = harness.configure({ PRICES_PUBLIC: 'true', PRICING_SYNC_PROVIDERS: ALL_PROVIDERS });
      harness.replay.setScenario('litellm', { body: upstream });
      await context.sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });

      const next = structuredClone(upstream);
      // 5 USD per token is 5,000,000 per 1M, above PRICING_MAX_PRICE_PER_1M: the item is invalid and
      // the listed model keeps what is stored for it.
      next['deepseek-chat']!.output_cost_per_reasoning_token = 5;
      next['deepseek-chat']!.supports_vision = true;
      next['claude-sonnet-4-5']!.supports_vision = false; // a non-price key only
      harness.replay.setScenario('litellm', { body: next });
      const outcome = await context.sync({
        trigger: 'cli',
        triggeredBy: 'test',
        dryRun: false,
        force: false,
      });
      if (outcome.kind !== 'finished') throw new Error(outcome.kind);
      expect(outcome.report.providers.litellm).toMatchObject({
        error: null,
        invalid_examples: [expect.objectContaining({ id: 'deepseek-chat' })],
      });

      const text = await (await liteLlmMap(request(MAP_PATH))).text();
      const served = JSON.parse(text) as Record<string, Record<string, unknown>>;
      expect(served['deepseek-chat']).toEqual(upstream['deepseek-chat']);
      expect(served['claude-sonnet-4-5']).toEqual(next['claude-sonnet-4-5']);
    },
  );

  it.skipIf(fixtureAvailable)(
    'needs ../shared/fixtures/providers/litellm_model_prices_sample.json (absent here)',
    () => {
      expect(fixtureAvailable).toBe(false);
    },
  );
});
