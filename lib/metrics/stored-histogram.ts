/** One labelled histogram series as the database keeps it. */
export interface StoredHistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative, keyed by upper bound in seconds. */
  bucketCounts: ReadonlyMap<number, number>;
  /** Observations above the largest bound. */
  overflowCount: number;
  sum: number;
}

/**
 * A histogram whose series are set from stored bucket counts instead of observed. prom-client's
 * public API can only observe (one call per observation, and the float sum of them, not the stored
 * sum), so this writes its own lines of the text exposition, as prom-client's Registry writes
 * those of every other metric: cumulative buckets, `+Inf` equal to `_count`, escaped labels.
 */
export class StoredHistogram {
  private readonly stored: StoredHistogramSeries[] = [];

  constructor(
    private readonly definition: {
      name: string;
      help: string;
      labelNames: readonly string[];
      buckets: readonly number[];
    },
  ) {}

  setSeries(series: StoredHistogramSeries): void {
    const names = Object.keys(series.labels);
    const expected = this.definition.labelNames;
    if (names.length !== expected.length || names.some((name, index) => name !== expected[index])) {
      throw new Error(`${this.definition.name}: labels must be ${expected.join(', ') || 'none'}`);
    }
    this.stored.push(series);
  }

  /** The metric's `# HELP`, `# TYPE` and sample lines, without a trailing newline. */
  exposition(): string {
    const { name, help } = this.definition;
    const lines = [`# HELP ${name} ${escapeText(help)}`, `# TYPE ${name} histogram`];
    for (const series of this.stored) {
      let cumulative = 0;
      for (const bound of this.definition.buckets) {
        cumulative += series.bucketCounts.get(bound) ?? 0;
        lines.push(sample(`${name}_bucket`, { ...series.labels, le: String(bound) }, cumulative));
      }
      const count = cumulative + series.overflowCount;
      lines.push(sample(`${name}_bucket`, { ...series.labels, le: '+Inf' }, count));
      lines.push(sample(`${name}_sum`, series.labels, series.sum));
      lines.push(sample(`${name}_count`, series.labels, count));
    }
    return lines.join('\n');
  }
}

/** The text format's escapes for HELP text: backslash and newline. */
function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(
    ([label, text]) => `${label}="${escapeText(text).replace(/"/g, '\\"')}"`,
  );
  const rendered = Number.isNaN(value)
    ? 'NaN'
    : value === Infinity
      ? '+Inf'
      : value === -Infinity
        ? '-Inf'
        : String(value);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${rendered}`;
}
