/**
 * One OpenRouter feed that mixes everything hostile a provider can send, and what must come of it.
 * Shared by the sync test tier and the reliability tier.
 */

const item = (id: string, prompt: unknown, completion: unknown = '0.000002', extra: object = {}) => ({
  id,
  name: id,
  context_length: 128000,
  pricing: { prompt, completion },
  ...extra,
});

/** What is stored before the hostile run: 300 good models and three that will turn unreadable. */
export const LISTED_UNREADABLE = ['listed/nan-price', 'listed/number-price', 'listed/absurd-price'];
export function hostileFeedBaseline(): { data: unknown[] } {
  return {
    data: [
      ...Array.from({ length: 300 }, (_, index) =>
        item(`good/model-${String(index).padStart(3, '0')}`, '0.000001'),
      ),
      ...LISTED_UNREADABLE.map((id) => item(id, '0.000001')),
    ],
  };
}

/** Items that must each be invalid, never stored, never failing anything else. */
export const HOSTILE_ITEMS: unknown[] = [
  item('bad\u0000id', 'NaN'),
  item('nul\u0000model', '0.000001'),
  item('lone-\ud800-high', '0.000001'),
  item('\udc00-lone-low', '0.000001'),
  item('~alias/nul-target', '0.000001', '0.000002', { alias_target: { slug: 'good/\u0000model' } }),
  item('absurd/huge-exponent', '1e400'),
  item('absurd/tiny-exponent', '1e-400'),
  item('absurd/double-max', '1e308'),
  item('absurd/99-digits', `0.${'9'.repeat(99)}`.slice(0, 100)),
  item('absurd/99-digit-integer', `1${'0'.repeat(98)}`),
];

/**
 * The hostile run's feed, one page of `pageItems` items: the 300 good models (the first 100 now at
 * 1.5 USD per 1M input), the three listed models with unreadable prices, the hostile items, and new
 * models up to the page size.
 */
export function hostileFeed(pageItems = 200_000): { data: unknown[]; newModels: number } {
  const data: unknown[] = [
    ...Array.from({ length: 300 }, (_, index) =>
      item(`good/model-${String(index).padStart(3, '0')}`, index < 100 ? '0.0000015' : '0.000001'),
    ),
    item('listed/nan-price', 'NaN'),
    item('listed/number-price', 0.000001),
    item('listed/absurd-price', '1e400'),
    ...HOSTILE_ITEMS,
  ];
  const newModels = pageItems - data.length;
  for (let index = 0; index < newModels; index++) {
    data.push(item(`new/model-${String(index).padStart(6, '0')}`, '0.0000003', '0.0000012'));
  }
  return { data, newModels };
}

/** Invalid items the hostile run reports: the three listed-unreadable and every hostile item. */
export const HOSTILE_INVALID_COUNT = LISTED_UNREADABLE.length + HOSTILE_ITEMS.length;
