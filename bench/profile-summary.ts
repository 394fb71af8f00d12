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
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  const ownCode = new Set<number>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? basename(url.replace(/^file:\/\//, '')) : '';
    nameOf.set(node.id, file ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName);
    if (url.includes('/lib/') && !url.includes('node_modules')) ownCode.add(node.id);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
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
