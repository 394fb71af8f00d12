// The price history as a step chart, drawn as SVG: two series (input and output per 1M tokens),
// each price held until the next change, with pins and held or rejected proposals marked. Hand-drawn:
// smaller than a charting library and nothing to bundle. The same data is in the table under it.

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 800;
const HEIGHT = 260;
const PAD = { left: 64, right: 16, top: 16, bottom: 36 };

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children)
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

/** A decimal string as a number, for a pixel position only (prices stay strings everywhere else). */
const plotted = (value) => (value === null || value === undefined ? null : Number(value));

/**
 * `history`: rows oldest first ({effective_at, kind, new}); `marks`: [{at, value, kind}] for held
 * and rejected proposals. Returns a <figure> whose `data-points` is the number of history rows.
 */
export function stepChart(title, history, marks, now = Date.now()) {
  const times = history.map((row) => Date.parse(row.effective_at));
  const start = Math.min(...times, ...marks.map((mark) => Date.parse(mark.at)));
  const end = Math.max(now, ...times) + 1;
  const series = [
    ['input', 'input_price_per_1m_tokens', 'series-input'],
    ['output', 'output_price_per_1m_tokens', 'series-output'],
  ];
  const values = history
    .flatMap((row) => series.map(([, column]) => plotted(row.new?.[column])))
    .concat(marks.map((mark) => plotted(mark.value)))
    .filter((value) => value !== null && Number.isFinite(value) && value > 0);
  const low = Math.min(...values, 1);
  const high = Math.max(...values, 1);
  // A 100x swing flattens everything else on a linear axis: past 20x, the axis is logarithmic.
  const log = values.length > 0 && high / low > 20;
  const y = (value) => {
    const inner = HEIGHT - PAD.top - PAD.bottom;
    const share = log
      ? (Math.log10(Math.max(value, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low) || 1)
      : value / (high * 1.1);
    return HEIGHT - PAD.bottom - share * inner;
  };
  const x = (time) => PAD.left + ((time - start) / (end - start || 1)) * (WIDTH - PAD.left - PAD.right);

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `${title}: ${history.length} price change(s), input and output USD per 1M tokens${log ? ', logarithmic axis' : ''}`,
  });
  chart.append(
    svg('line', {
      x1: PAD.left,
      x2: WIDTH - PAD.right,
      y1: HEIGHT - PAD.bottom,
      y2: HEIGHT - PAD.bottom,
      class: 'axis',
    }),
    svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom, class: 'axis' }),
  );
  for (const tick of log ? [low, Math.sqrt(low * high), high] : [0, high / 2, high]) {
    chart.append(
      svg(
        'text',
        { x: PAD.left - 6, y: y(tick) + 4, class: 'tick', 'text-anchor': 'end' },
        `$${tick.toPrecision(3)}`,
      ),
    );
  }
  for (const time of [start, end]) {
    chart.append(
      svg(
        'text',
        { x: x(time), y: HEIGHT - 12, class: 'tick', 'text-anchor': time === start ? 'start' : 'end' },
        new Date(time).toISOString().slice(0, 16).replace('T', ' '),
      ),
    );
  }
  for (const [name, column, className] of series) {
    let path = '';
    history.forEach((row, index) => {
      const value = plotted(row.new?.[column]);
      const next = index + 1 < history.length ? times[index + 1] : end;
      if (value === null || row.new?.state === 'missing') return;
      path += `M${x(times[index]).toFixed(1)},${y(value).toFixed(1)}H${x(next).toFixed(1)}`;
      const following = index + 1 < history.length ? plotted(history[index + 1].new?.[column]) : null;
      if (following !== null && history[index + 1].new?.state !== 'missing')
        path += `V${y(following).toFixed(1)}`;
    });
    chart.append(svg('path', { d: path || 'M0,0', class: className }, svg('title', {}, name)));
  }
  history.forEach((row, index) => {
    if (row.kind !== 'pinned') return;
    const value = plotted(row.new?.input_price_per_1m_tokens) ?? 0;
    chart.append(
      svg(
        'circle',
        { cx: x(times[index]), cy: y(value), r: 5, class: 'mark-pin' },
        svg('title', {}, `pinned at ${row.effective_at}`),
      ),
    );
  });
  for (const mark of marks) {
    const value = plotted(mark.value);
    if (value === null) continue;
    chart.append(
      svg(
        'rect',
        { x: x(Date.parse(mark.at)) - 4, y: y(value) - 4, width: 8, height: 8, class: `mark-${mark.kind}` },
        svg('title', {}, `${mark.kind} proposal $${mark.value} at ${mark.at}`),
      ),
    );
  }
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.dataset.points = String(history.length);
  const caption = document.createElement('figcaption');
  caption.append(
    `${title}. `,
    legend('series-input', 'input'),
    legend('series-output', 'output'),
    legend('mark-pin', 'pinned'),
    legend('mark-held', 'held'),
    legend('mark-rejected', 'rejected'),
  );
  figure.append(chart, caption);
  return figure;
}

function legend(className, text) {
  const item = document.createElement('span');
  item.className = `legend ${className}`;
  item.textContent = text;
  return item;
}
