/** One sample line of the text format: name, labels in the order written, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  samples: Sample[];
  help: Map<string, string>;
  type: Map<string, string>;
  /** The value of the one sample with this name and exactly these labels, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A strict reader of the Prometheus text format, for tests: any line it cannot read throws. */
export function parseExposition(text: string): ParsedExposition {
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'HELP' ? help : type).set(comment[2]!, comment[3]!);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    samples,
    help,
    type,
    value(name, labels = {}) {
      const found = samples.filter((sample) => sample.name === name && same(sample.labels, labels));
      if (found.length > 1)
        throw new Error(`${name} ${JSON.stringify(labels)} appears ${found.length} times`);
      return found[0]?.value;
    },
  };
}
