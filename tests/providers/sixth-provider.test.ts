import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../lib/app/app-context.js';
import { readConfig } from '../../lib/config.js';
import { serveLiteLlmMap } from '../../lib/functions/litellm-map-endpoint.js';
import { createLogger } from '../../lib/logging/logger.js';
import { parsePrice } from '../../lib/money/decimal.js';
import { buildCatalog, emptyRecord, InvalidItemError } from '../../lib/providers/catalog-items.js';
import type { ProviderDefinition } from '../../lib/providers/provider-definition.js';
import { joinUrl } from '../../lib/providers/provider-source.js';
import { PROVIDERS } from '../../lib/providers/registry.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { postgresStore } from '../support/test-store.js';

/**
 * A provider made here, in the test: the registry is an array of definitions, so adding one is
 * one definition plus one entry in that array, and config, the app and the sync engine take it.
 */
const acmeProvider: ProviderDefinition = {
  slug: 'acme',
  sourceLabel: 'acme:/prices',
  envNames: ['ACME_BASE_URL', 'ACME_API_KEY'],
  defaultBaseUrl: 'https://acme.invalid/v1',
  enabledByDefault: false,
  liteLlmRoute: 'acme_ai',
  createSource(settings) {
    const baseUrl = settings.url('ACME_BASE_URL', 'https://acme.invalid/v1');
    const http = settings.client(settings.secret('ACME_API_KEY'));
    return {
      slug: 'acme',
      async fetchCatalog(context = {}) {
        const url = joinUrl(baseUrl, 'prices');
        const payload = (await http.getJson(url, { signal: context.signal, budget: context.budget })) as {
          prices: unknown[];
        };
        return buildCatalog(payload.prices, 'name', (item) => {
          const { name, usd_in, usd_out } = item as { name: string; usd_in: unknown; usd_out: unknown };
          if (typeof usd_in !== 'string' || typeof usd_out !== 'string') {
            throw new InvalidItemError('usd_in/usd_out: expected decimal strings');
          }
          const record = emptyRecord('acme', name);
          record.inputUsdPerMillionTokens = parsePrice(usd_in);
          record.outputUsdPerMillionTokens = parsePrice(usd_out);
          record.state = 'active';
          return record;
        });
      },
    };
  },
};

describe('a sixth provider, registered by a test', () => {
  let database: TestDatabase;
  let server: Server;
  let baseUrl: string;
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    server = createServer((request, response) => {
      if (request.url === '/litellm/model_prices_and_context_window.json') {
        // LiteLLM's own map, the base the export layers our providers' prices over.
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            'gpt-4o': {
              input_cost_per_token: 0.0000025,
              output_cost_per_token: 0.00001,
              litellm_provider: 'openai',
              mode: 'chat',
            },
          }),
        );
        return;
      }
      authorizations.push(request.headers.authorization);
      if (request.url !== '/v1/prices') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          prices: [
            { name: 'acme/small', usd_in: '0.25', usd_out: '1.00' },
            { name: 'acme/large', usd_in: '3', usd_out: '15' },
            { name: 'acme/broken', usd_in: 3, usd_out: '15' },
            { usd_in: '1', usd_out: '1' },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await database.drop();
  });

  it('is unknown to config until registered, then listed among the known slugs', () => {
    const env = { PRICING_SYNC_PROVIDERS: 'acme' };
    expect(readConfig(env).errors.join('\n')).toContain(
      'PRICING_SYNC_PROVIDERS names unknown provider "acme"; known: openrouter, featherless, nearai, alibaba-cloud, litellm',
    );
    expect(readConfig(env, [...PROVIDERS, acmeProvider]).errors).toEqual([]);
    expect(
      readConfig({ PRICING_SYNC_PROVIDERS: 'nope' }, [...PROVIDERS, acmeProvider]).errors.join('\n'),
    ).toContain('known: openrouter, featherless, nearai, alibaba-cloud, litellm, acme');
  });

  it('syncs end to end: fetched with its key, normalized, stored with its source label', async () => {
    const store = postgresStore(database.url);
    try {
      const app = createAppContext({
        env: {
          PRICING_SYNC_PROVIDERS: 'acme',
          ACME_BASE_URL: baseUrl,
          ACME_API_KEY: 'acme-test-key-0123456789',
          LOG_LEVEL: 'silent',
        },
        store,
        logger: createLogger({ level: 'silent' }),
        providers: [...PROVIDERS, acmeProvider],
      });
      expect(app.config.errors).toEqual([]);
      expect(app.sources.map((source) => [source.slug, source.sourceLabel])).toEqual([
        ['acme', 'acme:/prices'],
      ]);
      const outcome = await app.sync({ trigger: 'manual', triggeredBy: 'test', dryRun: false, force: false });
      expect(outcome).toMatchObject({
        kind: 'finished',
        report: { status: 'success', providers: { acme: { outcome: 'applied' } } },
      });
    } finally {
      await store.close();
    }
    expect(authorizations).toEqual(['Bearer acme-test-key-0123456789']);
    const rows = await database.admin.query<Record<string, string>>(
      `select provider, model_id, state, input_price_per_1m_tokens::text as input,
              output_price_per_1m_tokens::text as output, source
         from model_pricing order by model_id`,
    );
    expect(rows.rows).toEqual([
      {
        provider: 'acme',
        model_id: 'acme/large',
        state: 'active',
        input: '3',
        output: '15',
        source: 'acme:/prices',
      },
      {
        provider: 'acme',
        model_id: 'acme/small',
        state: 'active',
        input: '0.25',
        output: '1',
        source: 'acme:/prices',
      },
    ]);
  });

  it('shows its prices in the LiteLLM export, under the route its definition gives', async () => {
    const origin = new URL(baseUrl).origin;
    const store = postgresStore(database.url);
    try {
      const app = createAppContext({
        env: {
          PRICING_SYNC_PROVIDERS: 'litellm,acme',
          LITELLM_PRICES_URL: `${origin}/litellm/model_prices_and_context_window.json`,
          ACME_BASE_URL: baseUrl,
          ACME_API_KEY: 'acme-test-key-0123456789',
          PRICES_TOKEN: 'acme-prices-token-0123456789',
          LOG_LEVEL: 'silent',
        },
        store,
        logger: createLogger({ level: 'silent' }),
        providers: [...PROVIDERS, acmeProvider],
      });
      const outcome = await app.sync({ trigger: 'manual', triggeredBy: 'test', dryRun: false, force: false });
      expect(outcome).toMatchObject({
        kind: 'finished',
        report: { providers: { litellm: { outcome: 'applied' }, acme: { outcome: 'applied' } } },
      });
      const response = await serveLiteLlmMap(
        new Request('http://localhost/prices/model_prices_and_context_window.json', {
          headers: { authorization: 'Bearer acme-prices-token-0123456789' },
        }),
        app,
      );
      expect(response.status).toBe(200);
      const map = (await response.json()) as Record<string, Record<string, unknown>>;
      expect(Object.keys(map).sort()).toEqual(['acme_ai/acme/large', 'acme_ai/acme/small', 'gpt-4o']);
      expect(map['acme_ai/acme/small']).toEqual({
        input_cost_per_token: 2.5e-7,
        output_cost_per_token: 0.000001,
        litellm_provider: 'acme_ai',
        mode: 'chat',
      });
    } finally {
      await store.close();
    }
  });
});
