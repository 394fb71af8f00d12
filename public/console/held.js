// Held changes: the pending changes the guardrails held, current and proposed side by side, each
// approved or rejected alone or as a selection, with an optional note.
import { api, refusalText } from './api.js';
import { age, append, clear, field, h, inOut, message, ratio, table } from './dom.js';

const nameOf = (row) => `${row.provider}/${row.model_id ?? '(whole catalog)'}`;

function proposedCell(row) {
  if (row.scope === 'provider') return `marks ${(row.missing_model_ids ?? []).length} model(s) missing`;
  return inOut(row.proposed);
}

function ratioCell(row) {
  if (!row.current || !row.proposed) return '—';
  return `in ${ratio(row.proposed.input_price_per_1m_tokens, row.current.input_price_per_1m_tokens)} · out ${ratio(
    row.proposed.output_price_per_1m_tokens,
    row.current.output_price_per_1m_tokens,
  )}`;
}

export async function heldChanges(root) {
  append(root, h('h1', {}, 'Held changes'));
  const note = field('Note', { maxlength: '2000', placeholder: 'optional, stored with the decision' });
  const feedback = h('div', { class: 'feedback', 'aria-live': 'polite' });
  const list = h('div');
  const selected = new Map();

  async function decide(action, rows) {
    clear(feedback);
    if (rows.length === 0) {
      append(feedback, message('Select at least one held change.'));
      return;
    }
    const answer = await api('/admin/pricing/held', {
      method: 'POST',
      body: { action, ids: rows.map((row) => row.id), note: note.input.value.trim() || null },
    });
    if (answer.status === 200) {
      const verb = action === 'approve' ? 'Approved' : 'Rejected';
      append(feedback, message(`${verb} ${rows.map(nameOf).join(', ')} (run ${answer.body.run_id}).`, 'ok'));
      note.input.value = '';
    } else {
      append(feedback, message(`Not ${action}d: ${refusalText(answer.body)} The list below is refreshed.`));
    }
    await load();
  }

  async function load() {
    selected.clear();
    const answer = await api('/admin/pricing/held?status=pending&limit=1000');
    clear(list);
    if (answer.status !== 200) {
      append(list, message(answer.body.error ?? `held changes answered ${answer.status}`));
      return;
    }
    const rows = answer.body.held;
    append(
      list,
      table(
        'Held changes',
        ['Select', 'Provider', 'Model', 'Reason', 'Current', 'Proposed', 'Ratio', 'Age', 'Decide'],
        rows.map((row) => [
          h('input', {
            type: 'checkbox',
            'aria-label': `Select ${nameOf(row)}`,
            on: {
              change: (event) => (event.target.checked ? selected.set(row.id, row) : selected.delete(row.id)),
            },
          }),
          row.provider,
          row.model_id === null
            ? h('em', {}, 'whole catalog')
            : h('a', { href: modelHref(row) }, row.model_id),
          h('span', { title: row.detail ?? '' }, row.reason),
          inOut(row.current),
          proposedCell(row),
          ratioCell(row),
          age(row.first_held_at),
          h(
            'span',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', on: { click: () => decide('approve', [row]) } },
              `Approve ${nameOf(row)}`,
            ),
            h(
              'button',
              { type: 'button', class: 'secondary', on: { click: () => decide('reject', [row]) } },
              `Reject ${nameOf(row)}`,
            ),
          ),
        ]),
        { empty: 'No change is waiting for a decision.', attrs: { 'data-rows': rows.length } },
      ),
    );
  }

  append(
    root,
    h(
      'div',
      { class: 'toolbar' },
      note.element,
      h(
        'button',
        { type: 'button', on: { click: () => decide('approve', [...selected.values()]) } },
        'Approve selected',
      ),
      h(
        'button',
        { type: 'button', class: 'secondary', on: { click: () => decide('reject', [...selected.values()]) } },
        'Reject selected',
      ),
    ),
    feedback,
    list,
  );
  await load();
}

export function modelHref(row) {
  return `#/model?provider=${encodeURIComponent(row.provider)}&model_id=${encodeURIComponent(row.model_id)}`;
}
