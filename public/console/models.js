// Models: search by provider and model id; one model's price history as a step chart with the
// accessible table `Price history` under it, its held changes, and its price at a chosen instant.
import { api, query, refusalText } from './api.js';
import { append, clear, field, h, inOut, message, price, table, when } from './dom.js';
import { modelHref } from './held.js';
import { stepChart } from './chart.js';

export async function modelsView(root, params) {
  append(root, h('h1', {}, 'Models'));
  const search = field('Search models', {
    type: 'search',
    value: params.get('q') ?? '',
    placeholder: 'part of a model id',
  });
  search.input.setAttribute('type', 'text');
  const provider = field('In provider', { value: params.get('provider') ?? '', placeholder: 'any' });
  const results = h('div', { 'aria-live': 'polite' });
  append(
    root,
    h(
      'form',
      {
        class: 'toolbar',
        role: 'search',
        on: {
          submit: (event) => {
            event.preventDefault();
            location.hash = `#/models${query({ q: search.input.value.trim(), provider: provider.input.value.trim() })}`;
          },
        },
      },
      search.element,
      provider.element,
      h('button', { type: 'submit' }, 'Search'),
    ),
    results,
  );
  const q = params.get('q');
  if (!q) return;
  const answer = await api(
    `/admin/pricing/prices${query({ q, provider: params.get('provider'), limit: 100, cursor: params.get('cursor') })}`,
  );
  if (answer.status !== 200) {
    append(results, message(refusalText(answer.body)));
    return;
  }
  append(
    results,
    table(
      `Models matching ${q}`,
      ['Provider', 'Model', 'Price', 'State'],
      answer.body.prices.map((row) => [
        row.provider,
        h('a', { href: modelHref(row) }, row.model_id),
        inOut(row),
        row.state,
      ]),
      { empty: 'No stored model matches.', showCaption: true },
    ),
    answer.body.next_cursor
      ? h(
          'p',
          {},
          h(
            'a',
            {
              href: `#/models${query({ q, provider: params.get('provider'), cursor: answer.body.next_cursor })}`,
            },
            'More',
          ),
        )
      : null,
  );
}

/** Every history row of the model, oldest first (pages of 1000, at most 10). */
async function fullHistory(provider, modelId) {
  const rows = [];
  let before = null;
  for (let page = 0; page < 10; page++) {
    const answer = await api(
      `/admin/pricing/prices${query({ provider, model_id: modelId, history: 'true', limit: 1000, before })}`,
    );
    if (answer.status !== 200) throw new Error(refusalText(answer.body));
    rows.push(...answer.body.history);
    before = answer.body.next_before_id;
    if (before === null) break;
  }
  return rows.reverse();
}

export async function modelView(root, params) {
  const provider = params.get('provider') ?? '';
  const modelId = params.get('model_id') ?? '';
  append(
    root,
    h('h1', {}, `${provider}/${modelId}`),
    h('p', {}, h('a', { href: '#/models' }, 'Back to the search')),
  );
  const [current, history, held, pins] = await Promise.all([
    api(`/admin/pricing/prices${query({ provider, model_id: modelId })}`),
    fullHistory(provider, modelId),
    api(`/admin/pricing/held${query({ provider, model_id: modelId, status: 'all' })}`),
    api(`/admin/pricing/pins${query({ provider })}`),
  ]);
  const now = current.body.prices?.[0];
  const pin = (pins.body.pins ?? []).find((row) => row.model_id === modelId);
  append(
    root,
    h(
      'p',
      {},
      now ? `Now: ${inOut(now)}, since ${when(now.effective_at)}` : 'Not stored.',
      pin ? ` · pinned by ${pin.pinned_by}: ${pin.reason}` : '',
      ' · ',
      h(
        'a',
        { href: `#/pins${query({ provider, model_id: modelId })}` },
        pin ? 'Change the pin' : 'Pin this model',
      ),
    ),
  );
  const heldRows = held.body.held ?? [];
  const marks = heldRows
    .filter(
      (row) =>
        row.proposed &&
        (row.status === 'pending' || row.status === 'rejected' || row.status === 'superseded'),
    )
    .map((row) => ({
      at: row.first_held_at,
      value: row.proposed.input_price_per_1m_tokens,
      kind: row.status === 'rejected' ? 'rejected' : 'held',
    }));
  append(
    root,
    stepChart(`Price of ${provider}/${modelId} over time`, history, marks),
    table(
      'Price history',
      ['Effective at', 'Kind', 'Run', 'State', 'Input', 'Output', 'Cache read', 'Cache write'],
      history
        .slice()
        .reverse()
        .map((row) => [
          when(row.effective_at),
          row.kind,
          h('a', { href: `#/runs/${row.run_id}` }, String(row.run_id)),
          row.new.state,
          price(row.new.input_price_per_1m_tokens),
          price(row.new.output_price_per_1m_tokens),
          price(row.new.cache_read_price_per_1m_tokens),
          price(row.new.cache_write_price_per_1m_tokens),
        ]),
      { showCaption: true, attrs: { 'data-rows': history.length } },
    ),
  );
  append(root, priceAt(provider, modelId));
  if (heldRows.length > 0) {
    append(
      root,
      table(
        'Held changes of this model',
        ['Held', 'Reason', 'Status', 'Current', 'Proposed', 'Decided by', 'Note'],
        heldRows.map((row) => [
          when(row.first_held_at),
          row.reason,
          row.status,
          inOut(row.current),
          inOut(row.proposed),
          row.decided_by ?? '—',
          row.note ?? '',
        ]),
        { showCaption: true },
      ),
    );
  }
}

function priceAt(provider, modelId) {
  const at = field('Price at', { placeholder: '2026-11-24T12:00:00Z' });
  const output = h('div', { 'aria-live': 'polite' });
  return h(
    'form',
    {
      class: 'toolbar',
      on: {
        submit: async (event) => {
          event.preventDefault();
          clear(output);
          const answer = await api(
            `/admin/pricing/prices${query({ provider, model_id: modelId, at: at.input.value.trim() })}`,
          );
          const row = answer.status === 200 ? answer.body.prices[0] : null;
          append(
            output,
            answer.status !== 200
              ? message(refusalText(answer.body))
              : row
                ? message(
                    `At ${when(answer.body.at)}: ${inOut(row)} (${row.kind} in run ${row.run_id}, effective ${when(row.effective_at)})`,
                    'ok',
                  )
                : message(`At ${when(answer.body.at)} the model was not stored yet.`, 'ok'),
          );
        },
      },
    },
    h('h2', {}, 'Price at an instant'),
    at.element,
    h('button', { type: 'submit' }, 'Show price'),
    output,
  );
}
