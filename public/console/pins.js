// Pins: each pin with its drift (the provider's price now, when it differs), a form to set one
// (prefilled with the model's current prices; every base price is sent, empty meaning none), unpin.
import { api, query, refusalText } from './api.js';
import { append, clear, field, h, inOut, message, table, when } from './dom.js';
import { modelHref } from './held.js';

export const PRICE_FIELDS = [
  ['Input', 'input', 'input_price_per_1m_tokens'],
  ['Output', 'output', 'output_price_per_1m_tokens'],
  ['Cache read', 'cache_read', 'cache_read_price_per_1m_tokens'],
  ['Cache write', 'cache_write', 'cache_write_price_per_1m_tokens'],
  ['Request', 'request', 'request_price'],
  ['Image', 'image', 'image_price'],
];

export async function pinsView(root, params) {
  append(root, h('h1', {}, 'Pins'));
  const feedback = h('div', { class: 'feedback', 'aria-live': 'polite' });
  const list = h('div');
  const provider = field('Provider', { value: params.get('provider') ?? '' });
  const model = field('Model', { value: params.get('model_id') ?? '' });
  const prices = PRICE_FIELDS.map(([label, key, column]) => ({
    key,
    column,
    ...field(label, { inputmode: 'decimal', placeholder: 'none' }),
  }));
  const reason = field('Reason', { maxlength: '2000' });
  const expires = field('Expires at', { placeholder: '2027-01-01T00:00:00Z (optional)' });

  async function loadPrices() {
    clear(feedback);
    if (!provider.input.value.trim() || !model.input.value.trim()) return;
    const answer = await api(
      `/admin/pricing/prices${query({ provider: provider.input.value.trim(), model_id: model.input.value.trim() })}`,
    );
    const row = answer.status === 200 ? answer.body.prices?.[0] : null;
    if (!row) {
      append(feedback, message(answer.status === 200 ? 'No such stored model.' : refusalText(answer.body)));
      return;
    }
    for (const price of prices) price.input.value = row[price.column] ?? '';
    append(feedback, message(`Prefilled with the current prices of ${row.provider}/${row.model_id}.`, 'ok'));
  }

  async function setPin(event) {
    event.preventDefault();
    clear(feedback);
    const body = {
      provider: provider.input.value.trim(),
      model_id: model.input.value.trim(),
      // Every base price explicitly: an empty field is null (no such price), never "left out".
      prices: Object.fromEntries(prices.map((price) => [price.key, price.input.value.trim() || null])),
      reason: reason.input.value.trim(),
      expires_at: expires.input.value.trim() || null,
    };
    const answer = await api('/admin/pricing/pins', { method: 'PUT', body });
    if (answer.status === 200) {
      append(
        feedback,
        message(`Pinned ${body.provider}/${body.model_id} (run ${answer.body.run_id}).`, 'ok'),
      );
      await load();
    } else {
      append(feedback, message(`Not pinned: ${refusalText(answer.body)}`));
    }
  }

  async function unpin(pin) {
    clear(feedback);
    const answer = await api(
      `/admin/pricing/pins${query({ provider: pin.provider, model_id: pin.model_id })}`,
      {
        method: 'DELETE',
      },
    );
    append(
      feedback,
      answer.status === 200
        ? message(
            `Unpinned ${pin.provider}/${pin.model_id}; the next sync applies or holds the provider's price.`,
            'ok',
          )
        : message(`Not unpinned: ${refusalText(answer.body)}`),
    );
    await load();
  }

  async function load() {
    const answer = await api('/admin/pricing/pins');
    clear(list);
    if (answer.status !== 200) {
      append(list, message(answer.body.error ?? `pins answered ${answer.status}`));
      return;
    }
    append(
      list,
      table(
        'Pins',
        ['Provider', 'Model', 'Pinned', 'Drift', 'Reason', 'By', 'Expires', ''],
        answer.body.pins.map((pin) => [
          pin.provider,
          h('a', { href: modelHref(pin) }, pin.model_id),
          inOut(pin.prices),
          pin.drift
            ? h(
                'span',
                { class: 'drift' },
                `provider now ${inOut(pin.drift.provider_prices)} since ${when(pin.drift.since)}`,
              )
            : 'none',
          pin.reason,
          pin.pinned_by,
          when(pin.expires_at),
          h(
            'button',
            { type: 'button', class: 'secondary', on: { click: () => unpin(pin) } },
            `Unpin ${pin.provider}/${pin.model_id}`,
          ),
        ]),
        { empty: 'No model is pinned.' },
      ),
    );
  }

  append(
    root,
    list,
    h(
      'form',
      { class: 'pin-form', on: { submit: setPin } },
      h('h2', {}, 'Set a pin'),
      h(
        'p',
        {},
        'USD per 1M tokens (per request / per image for Request and Image); leave a price empty for none. Extra prices and tiers are kept.',
      ),
      h('div', { class: 'grid' }, provider.element, model.element),
      h(
        'p',
        {},
        h('button', { type: 'button', class: 'secondary', on: { click: loadPrices } }, 'Load current prices'),
      ),
      h(
        'div',
        { class: 'grid' },
        prices.map((price) => price.element),
      ),
      h('div', { class: 'grid' }, reason.element, expires.element),
      h('button', { type: 'submit' }, 'Set pin'),
    ),
    feedback,
  );
  await load();
  if (provider.input.value && model.input.value) await loadPrices();
}
