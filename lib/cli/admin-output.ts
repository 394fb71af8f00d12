/**
 * `npm run admin`'s answers for a person at a terminal: the rows as a table with the columns an
 * operator reads first, then the answer's other fields as `name: value` lines. The JSON (with
 * --json, or when piped) keeps every field.
 */

type Row = Record<string, unknown>;
type Column = [title: string, cell: (row: Row) => unknown];

const price = (view: unknown, field: string): unknown =>
  view && typeof view === 'object' ? (view as Row)[field] : null;
const pricePair = (view: unknown): string =>
  view
    ? `${show(price(view, 'input_price_per_1m_tokens'))} / ${show(price(view, 'output_price_per_1m_tokens'))}`
    : '-';

/** The columns of each list an admin answer holds, by the field that holds it. */
const TABLES: Record<string, Column[]> = {
  held: [
    ['id', (row) => row.id],
    ['status', (row) => row.status],
    ['provider', (row) => row.provider],
    ['model_id', (row) => row.model_id ?? '(whole catalog)'],
    ['reason', (row) => row.reason],
    ['current in/out', (row) => pricePair(row.current)],
    ['proposed in/out', (row) => pricePair(row.proposed)],
    ['last_seen_at', (row) => row.last_seen_at],
  ],
  pins: [
    ['provider', (row) => row.provider],
    ['model_id', (row) => row.model_id],
    ['pinned in/out', (row) => pricePair(row.prices)],
    ['expires_at', (row) => row.expires_at ?? 'never'],
    ['pinned_by', (row) => row.pinned_by],
    ['drift in/out', (row) => (row.drift ? pricePair((row.drift as Row).provider_prices) : '-')],
    ['reason', (row) => row.reason],
  ],
  runs: [
    ['id', (row) => row.id],
    ['trigger', (row) => row.trigger],
    ['triggered_by', (row) => row.triggered_by],
    ['status', (row) => row.status],
    ['dry_run', (row) => row.dry_run],
    ['started_at', (row) => row.started_at],
    ['seconds', (row) => row.duration_seconds],
    ['rollback_of', (row) => row.rollback_of],
  ],
  prices: [
    ['provider', (row) => row.provider],
    ['model_id', (row) => row.model_id],
    ['state', (row) => row.state],
    ['input', (row) => row.input_price_per_1m_tokens],
    ['output', (row) => row.output_price_per_1m_tokens],
    ['cache_read', (row) => row.cache_read_price_per_1m_tokens],
    ['effective_at', (row) => row.effective_at],
  ],
  changes: [
    ['id', (row) => row.id],
    ['kind', (row) => row.kind],
    ['provider', (row) => row.provider],
    ['model_id', (row) => row.model_id],
    ['before in/out', (row) => pricePair(row.before)],
    ['after in/out', (row) => pricePair(row.after)],
    ['effective_at', (row) => row.effective_at],
    ['trigger', (row) => row.trigger],
  ],
  lines: [
    ['price_field', (row) => row.price_field],
    ['unit_price', (row) => row.unit_price],
    ['quantity', (row) => row.quantity],
    ['amount', (row) => row.amount],
  ],
  providers: [
    ['provider', (row) => row.provider],
    ['configured', (row) => row.configured],
    ['last_success_at', (row) => row.last_success_at ?? 'never'],
    ['stale', (row) => row.stale],
    ['stale_reason', (row) => row.stale_reason],
    ['failing_since', (row) => row.failing_since],
  ],
  history: [
    ['id', (row) => row.id],
    ['provider', (row) => row.provider],
    ['model_id', (row) => row.model_id],
    ['kind', (row) => row.kind],
    ['old in/out', (row) => pricePair(row.old)],
    ['new in/out', (row) => pricePair(row.new)],
    ['effective_at', (row) => row.effective_at],
    ['run_id', (row) => row.run_id],
  ],
};

const MAX_CELL = 48;

function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // One line per row: a note or reason with a newline would break the table.
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

export function table(columns: Column[], rows: Row[]): string[] {
  const cells = rows.map((row) => columns.map(([, cell]) => show(cell(row))));
  const widths = columns.map(([title], index) =>
    Math.max(title.length, ...cells.map((line) => line[index]!.length)),
  );
  const format = (line: string[]) =>
    line
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [format(columns.map(([title]) => title)), ...cells.map(format)];
}

/** An admin answer as lines: its list as a table, then its other fields. */
export function renderAnswer(body: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const listed = Object.keys(TABLES).find((name) => Array.isArray(body[name]));
  if (listed) {
    const rows = body[listed] as Row[];
    lines.push(...(rows.length === 0 ? [`no ${listed}`] : table(TABLES[listed]!, rows)));
  }
  for (const [name, value] of Object.entries(body)) {
    if (name === listed || name === 'success') continue;
    lines.push(`${name}: ${show(value)}`);
  }
  return lines;
}
