import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  function: string;
  self_ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Time covered by the samples counted (the window, when one is given). */
  total_ms: number;
  /** Self time: each sample's time goes to the function on top of the stack. */
  lines: ProfileLine[];
  /**
   * Inclusive time of the project's own functions (files under lib/): each sample's time goes to
   * every distinct lib/ function on its stack, so `share` says how much of the window ran inside it.
   */
  inclusive: ProfileLine[];
  /**
   * Self time charged to the nearest of the project's own functions on the stack (so undici's
   * work under the HTTP client counts as the HTTP client's, JSON.parse under parseJson as
   * parseJson's); samples with none of ours on the stack keep their own name ((garbage
   * collector), (idle), or a library function). Says which of our functions to make cheaper.
   */
  byOwnFunction: ProfileLine[];
}

/**
 * A .cpuprofile's call tree: each node's name (function and file, with its line when `lines`), the
 * nodes of our own code (files under lib/), and each node's parent.
 */
async function readProfile(path: string, lines: boolean) {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  const ownCode = new Set<number>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? basename(url.replace(/^file:\/\//, '')) : '';
    const where = lines ? `${file}:${lineNumber + 1}` : file;
    nameOf.set(node.id, file ? `${functionName || '(anonymous)'} ${where}` : functionName);
    if (url.includes('/lib/') && !url.includes('node_modules')) ownCode.add(node.id);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  return { profile, nameOf, ownCode, parentOf };
}

/**
 * Self time per function (name and file), heaviest first, from a .cpuprofile. `(idle)` is the event
 * loop waiting (for Postgres or a provider); `(garbage collector)` and `(program)` are V8's own.
 * With `windowUs` ([start, end] in the profile's clock, microseconds: `process.hrtime` / 1000),
 * only the samples taken in that window count, so module loading before the sync is left out.
 */
export async function summarizeProfile(
  path: string,
  options: { top?: number; windowUs?: readonly [number, number] | undefined } = {},
): Promise<ProfileSummary> {
  const top = options.top ?? 15;
  const { profile, nameOf, ownCode, parentOf } = await readProfile(path, true);
  const selfUs = new Map<string, number>();
  const inclusiveUs = new Map<string, number>();
  const nearestUs = new Map<string, number>();
  let totalUs = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (options.windowUs && (time < options.windowUs[0] || time > options.windowUs[1])) return;
    totalUs += delta;
    const name = nameOf.get(id) ?? '?';
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    const onStack = new Set<string>();
    let nearest: string | null = null;
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      if (!ownCode.has(node)) continue;
      const own = nameOf.get(node) ?? '?';
      nearest ??= own;
      onStack.add(own);
    }
    const charged = name.startsWith('(') ? name : (nearest ?? name);
    nearestUs.set(charged, (nearestUs.get(charged) ?? 0) + delta);
    for (const own of onStack) inclusiveUs.set(own, (inclusiveUs.get(own) ?? 0) + delta);
  });
  const toLines = (times: Map<string, number>): ProfileLine[] =>
    [...times.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        function: name,
        self_ms: Math.round(us / 1000),
        share: Number((us / Math.max(1, totalUs)).toFixed(3)),
      }));
  return {
    total_ms: Math.round(totalUs / 1000),
    lines: toLines(selfUs),
    inclusive: toLines(inclusiveUs),
    byOwnFunction: toLines(nearestUs),
  };
}

/** One slice of a sync's wall in a timeline: what the main thread did in it. */
export interface TimelineBucket {
  /** Start of the slice, ms after the window's start. */
  at_ms: number;
  /** Samples of anything but idle (garbage collection included). */
  busy_ms: number;
  gc_ms: number;
  idle_ms: number;
  /** The heaviest nearest lib/ functions of the slice (as `byOwnFunction` charges them), ms each. */
  top: [string, number][];
}

/**
 * The window cut into `bucketMs` slices, each with its busy, garbage-collection and idle time and
 * its heaviest functions: shows whether a phase waits (idle: Postgres, a provider, a lock) or works,
 * and when. A slice with little idle is the main thread at its limit: moving work into it from
 * another slice gains nothing.
 */
export async function summarizeTimeline(
  path: string,
  options: { windowUs: readonly [number, number]; bucketMs?: number; top?: number },
): Promise<TimelineBucket[]> {
  const bucketUs = (options.bucketMs ?? 50) * 1000;
  const top = options.top ?? 2;
  const { profile, nameOf, ownCode, parentOf } = await readProfile(path, false);
  const [start, end] = options.windowUs;
  const buckets: { busy: number; gc: number; idle: number; by: Map<string, number> }[] = [];
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < start || time > end) return;
    const slot = Math.floor((time - start) / bucketUs);
    const bucket = (buckets[slot] ??= { busy: 0, gc: 0, idle: 0, by: new Map() });
    const name = nameOf.get(id) ?? '?';
    if (name === '(idle)') {
      bucket.idle += delta;
      return;
    }
    bucket.busy += delta;
    if (name === '(garbage collector)') {
      bucket.gc += delta;
      return;
    }
    let charged = name;
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      if (ownCode.has(node)) {
        charged = nameOf.get(node) ?? '?';
        break;
      }
    }
    bucket.by.set(charged, (bucket.by.get(charged) ?? 0) + delta);
  });
  const ms = (us: number) => Math.round(us / 1000);
  return Array.from({ length: Math.ceil((end - start) / bucketUs) }, (_, slot) => {
    const bucket = buckets[slot] ?? { busy: 0, gc: 0, idle: 0, by: new Map<string, number>() };
    return {
      at_ms: (slot * bucketUs) / 1000,
      busy_ms: ms(bucket.busy),
      gc_ms: ms(bucket.gc),
      idle_ms: ms(bucket.idle),
      top: [...bucket.by.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, us]): [string, number] => [name, ms(us)]),
    };
  });
}

/**
 * What the sync did in each slice, from the worker's marks (seconds on its performance.now clock,
 * made relative to `sync started at`): store calls where they began, with their duration; pages
 * taken, counted per provider; each provider's fetched / applying / done. Without the start
 * line (a worker that printed no marks) there is nothing to place.
 */
export function marksBySlice(marks: string, sliceMs: number): Map<number, string[]> {
  const slices = new Map<number, string[]>();
  const started = /^sync started at ([\d.]+) s/m.exec(marks);
  if (!started) return slices;
  const origin = Number(started[1]);
  const sliceOf = (seconds: string) => Math.max(0, Math.floor(((Number(seconds) - origin) * 1000) / sliceMs));
  const pages = new Map<number, Map<string, number>>();
  const add = (seconds: string, text: string) => {
    const slice = sliceOf(seconds);
    slices.set(slice, [...(slices.get(slice) ?? []), text]);
  };
  for (const line of marks.split('\n')) {
    const call = /^call (\S+) ([\d.]+) ms \(started at ([\d.]+) s\)/.exec(line);
    if (call) add(call[3]!, `${call[1]!.replace(/^pricing_/, '')} ${Math.round(Number(call[2]))} ms`);
    const page = /^provider (\S+) page at ([\d.]+) s/.exec(line);
    if (page) {
      const slice = sliceOf(page[2]!);
      const counts = pages.get(slice) ?? new Map<string, number>();
      counts.set(page[1]!, (counts.get(page[1]!) ?? 0) + 1);
      pages.set(slice, counts);
      continue;
    }
    const phase = /^provider (\S+) (\S+) at ([\d.]+) s/.exec(line);
    if (phase) add(phase[3]!, `${phase[1]} ${phase[2]}`);
  }
  for (const [slice, counts] of pages) {
    const text = [...counts].map(([provider, count]) => `${provider} ${count} page${count === 1 ? '' : 's'}`);
    slices.set(slice, [...text, ...(slices.get(slice) ?? [])]);
  }
  return slices;
}
