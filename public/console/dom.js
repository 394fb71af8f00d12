// DOM helpers. Every string a feed, a model id or another operator supplied becomes a text node
// (a text node), never parsed as HTML: the console never assigns markup to an element, nor an
// event handler as a string (tests/console/console-static.test.ts checks the sinks are absent).

/**
 * An element: `attrs` are set as attributes (on* names are refused: handlers go in `on`), each
 * child is a Node, a string (a text node), or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (/^on/i.test(name)) {
      throw new Error(`event handler attribute ${name}: use on: {…}`);
    } else if (name === 'checked' || name === 'value' || name === 'disabled') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, ...children);
  return element;
}

/** Element.append, skipping null, undefined and false (which it would add as text). */
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

/**
 * A table with a caption (its accessible name), inside a scrolling box. Explicit roles keep it a
 * table for assistive technology when a narrow screen lays its rows out as cards; each cell carries
 * its column's name for that layout.
 */
export function table(caption, headers, rows, options = {}) {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { role: 'table', ...(options.attrs ?? {}) },
      h('caption', { class: options.showCaption ? '' : 'visually-hidden' }, caption),
      h(
        'thead',
        { role: 'rowgroup' },
        h(
          'tr',
          { role: 'row' },
          headers.map((header) => h('th', { scope: 'col', role: 'columnheader' }, header)),
        ),
      ),
      h(
        'tbody',
        { role: 'rowgroup' },
        rows.length === 0
          ? h(
              'tr',
              { role: 'row', class: 'empty' },
              h('td', { role: 'cell', colspan: headers.length }, options.empty ?? 'None.'),
            )
          : rows.map((cells) =>
              h(
                'tr',
                { role: 'row' },
                cells.map((cell, index) =>
                  h('td', { role: 'cell', 'data-label': headers[index] ?? '' }, cell),
                ),
              ),
            ),
      ),
    ),
  );
}

/** A labelled text field: the label is its accessible name. */
export function field(label, attrs = {}) {
  const id = `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${(field.count = (field.count ?? 0) + 1)}`;
  const input = h('input', { type: 'text', id, name: label, autocomplete: 'off', ...attrs });
  return { input, element: h('p', { class: 'field' }, h('label', { for: id }, label), input) };
}

/** A message line: `kind` error or ok, for a live region. */
export function message(text, kind = 'error') {
  return h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** A price (a decimal string, or null) as text, never as a number. */
export function price(value) {
  return value === null || value === undefined ? '—' : `$${value}`;
}

/** Input and output price per 1M tokens of a price view, as one line. */
export function inOut(view) {
  if (!view) return '—';
  const state = view.state && view.state !== 'active' ? ` (${view.state})` : '';
  return `in ${price(view.input_price_per_1m_tokens)} · out ${price(view.output_price_per_1m_tokens)}${state}`;
}

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().replace('.000Z', 'Z');
}

/** How long ago, in words: 3 min, 5 h, 2 d. */
export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** A decimal string as [digits as BigInt, scale]: exact, for the ratio below. */
function decimalParts(text) {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!match) return null;
  const fraction = match[2] ?? '';
  return [BigInt(match[1] + fraction), fraction.length];
}

/** proposed ÷ current, exactly, shown with two decimals (`100.00×`), or — when undefined. */
export function ratio(proposed, current) {
  const a = decimalParts(proposed);
  const b = decimalParts(current);
  if (!a || !b || b[0] === 0n) return '—';
  // a/10^sa ÷ b/10^sb, times 100 for two decimals.
  const numerator = a[0] * 10n ** BigInt(b[1]) * 100n;
  const denominator = b[0] * 10n ** BigInt(a[1]);
  const hundredths = (numerator + denominator / 2n) / denominator;
  const text = hundredths.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}×`;
}
