import { describe, expect, it } from 'vitest';
import { describeZodError } from '../../lib/providers/catalog-items.js';
import { liteLlmEntrySchema } from '../../lib/providers/litellm/litellm-api.js';
import { generateLiteLlmCostMap } from '../../dev/replay/generate-catalog.js';
import {
  normalizeAlibabaCloudCostMap,
  normalizeAlibabaCloudCostMapYielding,
} from '../../lib/providers/alibaba-cloud/normalize-alibaba-cloud.js';
import { ITEMS_PER_TURN as ENTRIES_PER_TURN } from '../../lib/providers/catalog-items.js';
import {
  normalizeLiteLlmCostMap,
  normalizeLiteLlmCostMapYielding,
} from '../../lib/providers/litellm/normalize-litellm.js';
import {
  isStorableEntry,
  MAX_ENTRY_DEPTH,
  MAX_ENTRY_JSON_LENGTH,
  storableEntries,
} from '../../lib/providers/litellm/storable-entries.js';

/** A cost map over several turns, with the awkward keys of a real one among its entries. */
function costMapOfSeveralTurns(): Record<string, unknown> {
  const costMap = generateLiteLlmCostMap({ seed: 7, size: ENTRIES_PER_TURN * 2 + 17 });
  return JSON.parse(
    JSON.stringify({
      ...costMap,
      'acme/broken': { input_cost_per_token: 'cheap' },
      'dashscope/': { input_cost_per_token: 1e-6 },
      constructor: { input_cost_per_token: 1e-6 },
    }),
  ) as Record<string, unknown>;
}

/** The definition storableEntries replaced: one JSON.stringify and a regex per entry. */
function storableByStringify(modelId: string, entry: Record<string, unknown>): boolean {
  const text = JSON.stringify({ [modelId]: entry });
  return text.length <= MAX_ENTRY_JSON_LENGTH && !/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(text);
}

describe('normalizing the LiteLLM cost map in turns of the event loop', () => {
  it('gives the same catalogs as normalizing it in one go, for litellm and alibaba-cloud', async () => {
    const costMap = costMapOfSeveralTurns();
    const whole = normalizeLiteLlmCostMap('litellm', costMap);
    expect(whole.records.length).toBeGreaterThan(ENTRIES_PER_TURN * 2);
    expect(await normalizeLiteLlmCostMapYielding('litellm', costMap)).toEqual(whole);
    const alibaba = normalizeAlibabaCloudCostMap(costMap);
    expect(alibaba.records.length).toBeGreaterThan(0);
    expect(await normalizeAlibabaCloudCostMapYielding(costMap)).toEqual(alibaba);
  });

  it('lets other work run meanwhile', async () => {
    const costMap = costMapOfSeveralTurns();
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 0);
    const catalog = await normalizeLiteLlmCostMapYielding('litellm', costMap);
    await storableEntries(costMap, catalog.records);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('LiteLLM entries kept for pass-through', () => {
  it('keeps every entry of a generated map, as the JSON.stringify check did', async () => {
    const costMap = costMapOfSeveralTurns();
    const { records } = normalizeLiteLlmCostMap('litellm', costMap);
    const entries = await storableEntries(costMap, records);
    expect(Object.keys(entries)).toEqual(records.map((record) => record.modelId));
    for (const record of records) expect(entries[record.modelId]).toBe(costMap[record.modelId]);
  });

  it.each([
    ['a NUL in a value', { mode: 'chat\u0000' }],
    ['a NUL in a key', { ['mo\u0000de']: 'chat' }],
    ['a lone high surrogate in a nested value', { tiered_pricing: [{ note: 'x\ud800' }] }],
    ['a lone low surrogate in a key', { ['\udc00']: 1 }],
    ['more than 64 KB of JSON', { notes: 'x'.repeat(MAX_ENTRY_JSON_LENGTH) }],
    ['more than 64 KB of JSON once escaped', { notes: '\u0001'.repeat(MAX_ENTRY_JSON_LENGTH / 6 + 1) }],
  ])('leaves out an entry with %s', (_, entry: Record<string, unknown>) => {
    expect(storableByStringify('acme/model', entry)).toBe(false);
    expect(isStorableEntry('acme/model', entry)).toBe(false);
  });

  it.each([
    ['a paired surrogate', { note: 'emoji \ud83d\ude00' }],
    ['just under 64 KB of JSON', { notes: 'x'.repeat(MAX_ENTRY_JSON_LENGTH - 30) }],
    ['escapes that are text, not characters', { notes: 'a\tb"c\\d' }],
    ['numbers in every form', { a: 1e-7, b: -2.2250738585072014e-308, c: 0, d: true, e: null, f: [] }],
  ])('keeps an entry with %s', (_, entry: Record<string, unknown>) => {
    expect(storableByStringify('acme/model', entry)).toBe(true);
    expect(isStorableEntry('acme/model', entry)).toBe(true);
  });

  it('leaves out an entry nested absurdly deep instead of failing the provider', async () => {
    let deep: unknown = 1;
    for (let depth = 0; depth < 100_000; depth++) deep = [deep];
    const costMap = { 'acme/deep': { mode: 'chat', notes: deep }, 'acme/fine': { mode: 'chat' } };
    const { records } = normalizeLiteLlmCostMap('litellm', costMap);
    expect(records.map((record) => record.modelId)).toEqual(['acme/deep', 'acme/fine']);
    expect(Object.keys(await storableEntries(costMap, records))).toEqual(['acme/fine']);
    let justDeepEnough: unknown = 1;
    for (let depth = 1; depth < MAX_ENTRY_DEPTH; depth++) justDeepEnough = [justDeepEnough];
    expect(isStorableEntry('acme/model', { notes: justDeepEnough })).toBe(true);
  });
});

describe('context lengths of LiteLLM entries', () => {
  it.each([
    [{ max_input_tokens: 200000, max_tokens: 8192 }, 200000],
    [{ max_tokens: 8192 }, 8192],
    [{ max_input_tokens: null, max_tokens: 4096 }, 4096],
    [{}, null],
  ])('reads %j as %s', (limits, contextLength) => {
    const catalog = normalizeLiteLlmCostMap('litellm', {
      'acme/model': { input_cost_per_token: 1e-6, ...limits },
    });
    expect(catalog.records[0]?.contextLength).toBe(contextLength);
  });

  it.each([
    { max_input_tokens: -1 },
    { max_input_tokens: 1.5 },
    { max_tokens: '8k' },
    { max_tokens: 2 ** 31 },
  ])('refuses %j with the schema error', (limits) => {
    const entry = { input_cost_per_token: 1e-6, ...limits };
    const parsed = liteLlmEntrySchema.safeParse(entry);
    expect(parsed.success).toBe(false);
    const catalog = normalizeLiteLlmCostMap('litellm', { 'acme/model': entry });
    expect(catalog.records).toEqual([]);
    expect(catalog.invalid).toEqual([{ id: 'acme/model', reason: describeZodError(parsed.error!) }]);
  });
});
