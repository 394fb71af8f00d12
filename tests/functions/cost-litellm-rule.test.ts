import Big from 'big.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as prices from '../../api/prices.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

/**
 * Issue 27: the `litellm` provider's entries, synced and priced by POST /prices/cost, cost what
 * LiteLLM's own rule makes them cost (litellm/litellm_core_utils/llm_cost_calc/utils.py,
 * `_get_token_base_cost`): when the prompt (`usage.prompt_tokens`, which counts cache reads and
 * writes) exceeds N thousand tokens and `input_cost_per_token_above_<N>k_tokens` is set, the
 * highest such N's input, output and cache prices apply to every token of the request, each
 * falling back to the base price it lacks. The reference below restates that rule with big.js.
 */

const SEED = 27_002;
/** USD per token, as LiteLLM's map writes them (JSON numbers, often in exponent form). */
const RATE = fc.constantFrom(
  3e-6,
  1.5e-5,
  6e-6,
  2.25e-5,
  3e-7,
  6e-7,
  3.75e-6,
  7.5e-6,
  1.25e-7,
  4e-7,
  2.8e-8,
  1.234567e-6,
);
const THRESHOLDS_K = [128, 200, 256];

interface Threshold {
  k: number;
  input: number;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
}
interface Entry {
  input: number;
  output: number;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  thresholds: Threshold[];
}

const threshold = fc.record({
  k: fc.constantFrom(...THRESHOLDS_K),
  input: RATE,
  output: fc.option(RATE, { nil: undefined }),
  cacheRead: fc.option(RATE, { nil: undefined }),
  cacheWrite: fc.option(RATE, { nil: undefined }),
});
const entry: fc.Arbitrary<Entry> = fc.record({
  input: RATE,
  output: RATE,
  cacheRead: fc.option(RATE, { nil: undefined }),
  cacheWrite: fc.option(RATE, { nil: undefined }),
  thresholds: fc.uniqueArray(threshold, { maxLength: 2, selector: (tier) => tier.k }),
});

function liteLlmEntry(model: Entry): Record<string, unknown> {
  const map: Record<string, unknown> = {
    litellm_provider: 'anthropic',
    mode: 'chat',
    input_cost_per_token: model.input,
    output_cost_per_token: model.output,
  };
  if (model.cacheRead !== undefined) map.cache_read_input_token_cost = model.cacheRead;
  if (model.cacheWrite !== undefined) map.cache_creation_input_token_cost = model.cacheWrite;
  for (const tier of model.thresholds) {
    const above = `_above_${tier.k}k_tokens`;
    map[`input_cost_per_token${above}`] = tier.input;
    if (tier.output !== undefined) map[`output_cost_per_token${above}`] = tier.output;
    if (tier.cacheRead !== undefined) map[`cache_read_input_token_cost${above}`] = tier.cacheRead;
    if (tier.cacheWrite !== undefined) map[`cache_creation_input_token_cost${above}`] = tier.cacheWrite;
  }
  return map;
}

interface Usage {
  prompt: number;
  cacheHit: number;
  cacheCreation: number;
  completion: number;
}

/** LiteLLM's rule, in big.js from the digits of each JSON number. */
function liteLlmCost(model: Entry, usage: Usage): string {
  const big = (rate: number | undefined) => new Big(String(rate ?? 0));
  let rates = {
    input: model.input,
    output: model.output,
    cacheRead: model.cacheRead,
    cacheWrite: model.cacheWrite,
  };
  const exceeded = [...model.thresholds]
    .sort((a, b) => b.k - a.k)
    .find((tier) => usage.prompt > tier.k * 1000);
  if (exceeded) {
    rates = {
      input: exceeded.input,
      output: exceeded.output ?? rates.output,
      cacheRead: exceeded.cacheRead ?? rates.cacheRead,
      cacheWrite: exceeded.cacheWrite ?? rates.cacheWrite,
    };
  }
  const text = usage.prompt - usage.cacheHit - usage.cacheCreation;
  return big(rates.input)
    .times(text)
    .plus(big(rates.cacheRead).times(usage.cacheHit))
    .plus(big(rates.cacheWrite).times(usage.cacheCreation))
    .plus(big(rates.output).times(usage.completion))
    .toFixed();
}

/** A usage around each threshold (N−1, N, N+1 thousand) or anywhere; cache tokens only where priced. */
function usageFor(model: Entry): fc.Arbitrary<Usage> {
  const near = THRESHOLDS_K.flatMap((k) => [k * 1000 - 1, k * 1000, k * 1000 + 1]);
  return fc
    .tuple(
      fc.oneof(fc.constantFrom(...near), fc.integer({ min: 0, max: 400_000 })),
      fc.integer({ min: 0, max: 100_000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.integer({ min: 0, max: 50_000 }),
    )
    .map(([prompt, hit, creation, completion]) => {
      const cacheHit = model.cacheRead === undefined ? 0 : Math.min(hit, prompt);
      const cacheCreation = model.cacheWrite === undefined ? 0 : Math.min(creation, prompt - cacheHit);
      return { prompt, cacheHit, cacheCreation, completion };
    });
}

describe("litellm entries priced by LiteLLM's rule", () => {
  let harness: FunctionHarness;
  const cases = fc.sample(
    entry.chain((model) =>
      fc.tuple(fc.constant(model), fc.array(usageFor(model), { minLength: 4, maxLength: 4 })),
    ),
    { seed: SEED, numRuns: 40 },
  );
  beforeAll(async () => {
    harness = await startFunctionHarness();
    const context = harness.configure({ PRICING_SYNC_PROVIDERS: 'litellm' });
    harness.replay.setScenario('litellm', {
      body: Object.fromEntries(cases.map(([model], index) => [`model-${index}`, liteLlmEntry(model)])),
    });
    const outcome = await context.sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });
    expect(outcome.kind).toBe('finished');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('cost the same through POST /prices/cost, to the last digit', async () => {
    const items = cases.flatMap(([, usages], index) =>
      usages.map((usage) => ({
        provider: 'litellm',
        model_id: `model-${index}`,
        usage: {
          input_tokens: usage.prompt,
          output_tokens: usage.completion,
          ...(usage.cacheHit ? { cache_read_tokens: usage.cacheHit } : {}),
          ...(usage.cacheCreation ? { cache_write_tokens: usage.cacheCreation } : {}),
        },
      })),
    );
    const response = await prices.POST(
      request('/prices/cost', { method: 'POST', key: ADMIN_KEY, body: JSON.stringify({ items }) }),
    );
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { cost_usd?: string; error?: string }[] };
    const expected = cases.flatMap(([model, usages]) => usages.map((usage) => liteLlmCost(model, usage)));
    expect(results.map((result) => result.cost_usd ?? result.error)).toEqual(expected);
  });
});
