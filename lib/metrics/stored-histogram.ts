import { Histogram } from 'prom-client';
import type { MetricValueWithName, Registry } from 'prom-client';

/** One labelled histogram series as the database keeps it. */
export interface StoredHistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative, keyed by upper bound in seconds. */
  bucketCounts: ReadonlyMap<number, number>;
  /** Observations above the largest bound. */
  overflowCount: number;
  sum: number;
}

interface StoredHistogramObject<T extends string> {
  name: string;
  help: string;
  type: 'histogram';
  values: MetricValueWithName<T>[];
  aggregator: 'sum';
}

/**
 * A prom-client Histogram whose values are set from stored bucket counts instead of observed:
 * prom-client offers no way to set a histogram, and observing would lose the stored sum. The
 * exposition is cumulative, as Prometheus expects, with `+Inf` equal to `_count`.
 */
export class StoredHistogram<T extends string> extends Histogram<T> {
  private readonly stored: StoredHistogramSeries[] = [];
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly help: string;

  /** `registers` is required: a metric without it lands in prom-client's global registry. */
  constructor(configuration: {
    name: string;
    help: string;
    labelNames: readonly T[];
    buckets: readonly number[];
    registers: Registry[];
  }) {
    super({ ...configuration, buckets: [...configuration.buckets] });
    this.bounds = [...configuration.buckets];
    this.metricName = configuration.name;
    this.help = configuration.help;
  }

  setSeries(series: StoredHistogramSeries): void {
    this.stored.push(series);
  }

  /**
   * Where prom-client 15 reads a histogram's values from, for the text exposition and (through
   * the inherited `get()`) for JSON: the stored series instead of observed ones.
   */
  async getForPromString(): Promise<StoredHistogramObject<T>> {
    return {
      name: this.metricName,
      help: this.help,
      type: 'histogram',
      values: this.stored.flatMap((series) => this.valuesOf(series)),
      aggregator: 'sum',
    };
  }

  private valuesOf(series: StoredHistogramSeries): MetricValueWithName<T>[] {
    const labels = series.labels as Partial<Record<T, string>>;
    // `le` is not one of the metric's label names, but every bucket line carries it.
    const bucket = (le: number | string) => ({ ...labels, le }) as Partial<Record<T, string | number>>;
    const values: MetricValueWithName<T>[] = [];
    let cumulative = 0;
    for (const bound of this.bounds) {
      cumulative += series.bucketCounts.get(bound) ?? 0;
      values.push({ metricName: `${this.metricName}_bucket`, labels: bucket(bound), value: cumulative });
    }
    const count = cumulative + series.overflowCount;
    values.push({ metricName: `${this.metricName}_bucket`, labels: bucket('+Inf'), value: count });
    values.push({ metricName: `${this.metricName}_sum`, labels, value: series.sum });
    values.push({ metricName: `${this.metricName}_count`, labels, value: count });
    return values;
  }
}
