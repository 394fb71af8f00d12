/**
 * Seeded, deterministic catalogs in each provider's real wire format, for the replay server, tests,
 * the offline demo and benchmarks. Same seed and options, same bytes.
 *
 * Prices are decimal strings built with exact arithmetic: 1–12 significant digits per 1M tokens,
 * spread over 0.01..100 USD, output a small multiple of input, some cache prices.
 */
import { multiplyDecimal, shiftDecimal } from '../../lib/money/decimal.js';

/** mulberry32: small, fast, good enough for test data; never for anything secret. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** What changes between two fetches of the same catalog; applied before rendering. */
export interface CatalogMutation {
  /** Keep only this fraction of models (0.5 halves the catalog; 0 empties it). Default 1. */
  keepFraction?: number;
  /** Change the prices of this fraction of models by `priceChangeFactor`. Default 0. */
  priceChangeFraction?: number;
  /** Decimal factor for changed prices. Default "1.1". */
  priceChangeFactor?: string;
  /** Multiply one model's prices by `swingFactor` (the model at this index). */
  swingModelIndex?: number;
  /** Default "10". */
  swingFactor?: string;
  /** Leave out the model at this index (a model the provider stopped listing). */
  removeModelIndex?: number;
}

export interface GenerateOptions extends CatalogMutation {
  seed: number;
  size: number;
}

export type ModelKind = 'priced' | 'free' | 'router' | 'alias' | 'unpriced';

/** Provider-neutral model description; every renderer reads the same specs. */
export interface ModelSpec {
  index: number;
  id: string;
  kind: ModelKind;
  /** USD per 1M tokens, decimal strings. */
  inputPerMillion: string;
  outputPerMillion: string;
  cacheReadPerMillion: string | null;
  /** Prompt-size tier: prices double from this many prompt tokens. */
  tierFromTokens: number | null;
  /** Time-of-day window tiers (OpenRouter style). */
  hasTimeWindows: boolean;
  webSearchPerRequest: string | null;
  aliasOf: string | null;
  contextLength: number;
}

const VENDORS = [
  'openai',
  'anthropic',
  'google',
  'meta-llama',
  'mistralai',
  'qwen',
  'deepseek',
  'x-ai',
  'cohere',
  'nvidia',
];
const FAMILIES = ['chat', 'coder', 'instruct', 'vision', 'reasoner', 'mini', 'pro', 'flash', 'large', 'lite'];
const OUTPUT_MULTIPLES = ['1', '2', '3', '4', '5', '8'];
const CONTEXT_LENGTHS = [4096, 8192, 32768, 131072, 200000, 262144, 1048576];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A price per 1M tokens with 1–12 significant digits in [0.01, 100). */
function randomPrice(random: () => number): string {
  const digits = 1 + Math.floor(random() * 12);
  let mantissa = String(1 + Math.floor(random() * 9));
  for (let position = 1; position < digits; position++) mantissa += String(Math.floor(random() * 10));
  // mantissa has `digits` digits; shift it into [0.01, 100).
  const magnitude = -2 + Math.floor(random() * 4);
  return shiftDecimal(mantissa, magnitude - digits + 1);
}

/** The provider-neutral specs, mutations applied. Index order is stable across mutations. */
export function generateModelSpecs(options: GenerateOptions): ModelSpec[] {
  const random = createRandom(options.seed);
  const changeRandom = createRandom(options.seed ^ 0x5eed);
  const keepRandom = createRandom(options.seed ^ 0x4ee9);
  const keepFraction = options.keepFraction ?? 1;
  const changeFraction = options.priceChangeFraction ?? 0;
  const changeFactor = options.priceChangeFactor ?? '1.1';
  const specs: ModelSpec[] = [];
  for (let index = 0; index < options.size; index++) {
    const roll = random();
    const kind: ModelKind =
      roll < 0.005
        ? 'router'
        : roll < 0.015 && index > 0
          ? 'alias'
          : roll < 0.06
            ? 'free'
            : roll < 0.1
              ? 'unpriced'
              : 'priced';
    const vendor = pick(random, VENDORS);
    const family = pick(random, FAMILIES);
    const input = kind === 'free' ? '0' : randomPrice(random);
    const output = kind === 'free' ? '0' : multiplyDecimal(input, pick(random, OUTPUT_MULTIPLES));
    const hasCache = random() < 0.4 && kind === 'priced';
    const tierRoll = random();
    let spec: ModelSpec = {
      index,
      id: kind === 'router' ? `router/${family}-${index}` : `${vendor}/${family}-${index}`,
      kind,
      inputPerMillion: input,
      outputPerMillion: output,
      cacheReadPerMillion: hasCache ? multiplyDecimal(input, '0.1') : null,
      tierFromTokens:
        kind === 'priced' && tierRoll < 0.03 ? pick(random, [32000, 128000, 200000, 272000]) : null,
      hasTimeWindows: kind === 'priced' && tierRoll >= 0.03 && tierRoll < 0.035,
      webSearchPerRequest:
        kind === 'priced' && random() < 0.2 ? pick(random, ['0.005', '0.01', '0.014', '0.035']) : null,
      aliasOf: null,
      contextLength: pick(random, CONTEXT_LENGTHS),
    };
    if (kind === 'alias') {
      const target = specs[Math.floor(random() * specs.length)] as ModelSpec;
      spec = { ...target, index, kind, id: `~${vendor}/${family}-latest-${index}`, aliasOf: target.id };
    }
    const changed = changeRandom() < changeFraction;
    const swung = options.swingModelIndex === index;
    const factor = swung ? (options.swingFactor ?? '10') : changed ? changeFactor : null;
    if (factor !== null && spec.kind !== 'router' && spec.kind !== 'unpriced') {
      spec.inputPerMillion = multiplyDecimal(spec.inputPerMillion, factor);
      spec.outputPerMillion = multiplyDecimal(spec.outputPerMillion, factor);
      if (spec.cacheReadPerMillion)
        spec.cacheReadPerMillion = multiplyDecimal(spec.cacheReadPerMillion, factor);
    }
    if (keepRandom() < keepFraction && options.removeModelIndex !== index) specs.push(spec);
  }
  return specs;
}

const perToken = (perMillion: string): string => shiftDecimal(perMillion, -6);
/** LiteLLM and Featherless send JSON numbers; ≤15 significant digits survive a double exactly. */
const asJsonNumber = (decimal: string): number => Number(decimal);

function doubled(price: string): string {
  return multiplyDecimal(price, '2');
}

export function renderOpenRouterModel(spec: ModelSpec): Record<string, unknown> {
  const pricing: Record<string, unknown> = {};
  if (spec.kind === 'router') {
    // OpenRouter's routers: the price depends on the model chosen.
    pricing.prompt = '-1';
    pricing.completion = '-1';
  } else if (spec.kind === 'unpriced') {
    pricing.prompt = '0';
    pricing.completion = '0';
  } else {
    pricing.prompt = perToken(spec.inputPerMillion);
    pricing.completion = perToken(spec.outputPerMillion);
    if (spec.cacheReadPerMillion) pricing.input_cache_read = perToken(spec.cacheReadPerMillion);
    if (spec.webSearchPerRequest) pricing.web_search = spec.webSearchPerRequest;
    if (spec.tierFromTokens !== null) {
      pricing.overrides = [
        {
          min_prompt_tokens: spec.tierFromTokens,
          prompt: perToken(doubled(spec.inputPerMillion)),
          completion: perToken(doubled(spec.outputPerMillion)),
        },
      ];
    } else if (spec.hasTimeWindows) {
      pricing.overrides = [
        {
          utc_start: 1630,
          utc_end: 30,
          prompt: perToken(spec.inputPerMillion),
          completion: perToken(spec.outputPerMillion),
        },
        {
          utc_start: 30,
          utc_end: 1630,
          prompt: perToken(doubled(spec.inputPerMillion)),
          completion: perToken(doubled(spec.outputPerMillion)),
        },
      ];
    }
  }
  const model: Record<string, unknown> = {
    id: spec.id,
    canonical_slug: spec.id,
    name: spec.id,
    context_length: spec.contextLength,
    architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'] },
    pricing,
    top_provider: { context_length: spec.contextLength, max_completion_tokens: null, is_moderated: false },
  };
  if (spec.aliasOf) model.alias_target = { name: spec.aliasOf, slug: spec.aliasOf };
  return model;
}

export function generateOpenRouterCatalog(options: GenerateOptions): {
  data: Record<string, unknown>[];
  total_count: number;
} {
  const data = generateModelSpecs(options).map(renderOpenRouterModel);
  return { data, total_count: data.length };
}

/** `{amount, scale}` nano-USD per token: scale 9 unless the price needs more digits. */
function nearPrice(perMillion: string): { amount: number; scale: number; currency: string } {
  for (let scale = 9; ; scale++) {
    const amount = shiftDecimal(perMillion, scale - 6);
    if (!amount.includes('.')) return { amount: Number(amount), scale, currency: 'USD' };
  }
}

export function renderNearAiModel(spec: ModelSpec): Record<string, unknown> {
  const model: Record<string, unknown> = {
    modelId: spec.id.replace(/^~/, ''),
    metadata: {
      verifiable: true,
      contextLength: spec.contextLength,
      modelDisplayName: spec.id,
      ownedBy: 'nearai',
      providerType: 'vllm',
      architecture: { inputModalities: ['text'], outputModalities: ['text'] },
    },
  };
  // Routers and unpriced models: NEAR lists some entries without any price.
  if (spec.kind === 'router' || spec.kind === 'unpriced') return model;
  model.inputCostPerToken = nearPrice(spec.inputPerMillion);
  model.outputCostPerToken = nearPrice(spec.outputPerMillion);
  model.costPerImage = { amount: 0, scale: 9, currency: 'USD' };
  if (spec.cacheReadPerMillion) model.cacheReadCostPerToken = nearPrice(spec.cacheReadPerMillion);
  return model;
}

export function generateNearAiModels(options: GenerateOptions): Record<string, unknown>[] {
  // NEAR has no aliases; an alias spec becomes a model of its own under a unique id.
  return generateModelSpecs(options).map(renderNearAiModel);
}

export function renderFeatherlessModel(spec: ModelSpec): Record<string, unknown> {
  const model: Record<string, unknown> = {
    id: spec.id.replace(/^~/, ''),
    name: spec.id,
    model_class: `${spec.id.split('/')[1]?.split('-')[0] ?? 'model'}-8k`,
    context_length: spec.contextLength,
    max_completion_tokens: 4096,
  };
  // Most Featherless models carry no price (subscription billing); a few carry `pricing` per 1M.
  if (spec.kind === 'priced' && spec.index % 3 === 0) {
    model.pricing = {
      input: asJsonNumber(spec.inputPerMillion),
      output: asJsonNumber(spec.outputPerMillion),
    };
  }
  return model;
}

export function generateFeatherlessModels(options: GenerateOptions): Record<string, unknown>[] {
  return generateModelSpecs(options).map(renderFeatherlessModel);
}

export function renderLiteLlmEntry(spec: ModelSpec): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    litellm_provider: spec.id.startsWith('dashscope/') ? 'dashscope' : spec.id.split('/')[0],
    max_input_tokens: spec.contextLength,
    max_output_tokens: 8192,
    max_tokens: 8192,
    mode: 'chat',
    supports_function_calling: true,
  };
  if (spec.kind === 'router' || spec.kind === 'unpriced') return entry;
  const input = asJsonNumber(perToken(spec.inputPerMillion));
  const output = asJsonNumber(perToken(spec.outputPerMillion));
  if (spec.tierFromTokens !== null && spec.index % 2 === 0) {
    // Like some dashscope entries: no top-level price, only `tiered_pricing`.
    entry.tiered_pricing = [
      { input_cost_per_token: input, output_cost_per_token: output, range: [0, spec.tierFromTokens] },
      {
        input_cost_per_token: asJsonNumber(perToken(doubled(spec.inputPerMillion))),
        output_cost_per_token: asJsonNumber(perToken(doubled(spec.outputPerMillion))),
        range: [spec.tierFromTokens, 1_000_000],
      },
    ];
    return entry;
  }
  entry.input_cost_per_token = input;
  entry.output_cost_per_token = output;
  if (spec.cacheReadPerMillion)
    entry.cache_read_input_token_cost = asJsonNumber(perToken(spec.cacheReadPerMillion));
  if (spec.tierFromTokens !== null) {
    entry.input_cost_per_token_above_200k_tokens = asJsonNumber(perToken(doubled(spec.inputPerMillion)));
    entry.output_cost_per_token_above_200k_tokens = asJsonNumber(perToken(doubled(spec.outputPerMillion)));
  }
  return entry;
}

/**
 * A LiteLLM cost map: `sample_spec` first, then entries; every fourth model is a `dashscope/*`
 * entry (the `alibaba-cloud` source reads those).
 */
export function generateLiteLlmCostMap(options: GenerateOptions): Record<string, unknown> {
  const costMap: Record<string, unknown> = {
    sample_spec: {
      input_cost_per_token: 0.0,
      output_cost_per_token: 0.0,
      litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
      mode: 'one of: chat, embedding',
    },
  };
  for (const spec of generateModelSpecs(options)) {
    const key =
      spec.index % 4 === 0 ? `dashscope/${spec.id.split('/')[1] ?? spec.id}` : spec.id.replace(/^~/, '');
    costMap[key] = renderLiteLlmEntry({ ...spec, id: key });
  }
  return costMap;
}

/** DashScope `/models`: the dashscope ids of the cost map plus a few the map has no price for. */
export function generateDashScopeModelList(options: GenerateOptions): {
  object: string;
  data: Record<string, unknown>[];
} {
  const ids = Object.keys(generateLiteLlmCostMap(options))
    .filter((key) => key.startsWith('dashscope/'))
    .map((key) => key.slice('dashscope/'.length));
  ids.push('qwen-unlisted-preview', 'qwen-account-only');
  return {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: 1752741600, owned_by: 'system' })),
  };
}
