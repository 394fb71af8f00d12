import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  function: string;
  self_ms: number;
  share: number;
}

/**
 * Self time per function (name and file), heaviest first, from a .cpuprofile: each sample's
 * time goes to the function on top of the stack. `(idle)` is the event loop waiting (for
 * Postgres or a provider); `(garbage collector)` and `(program)` are V8's own.
 */
export async function summarizeProfile(
  path: string,
  top = 15,
): Promise<{ total_ms: number; lines: ProfileLine[] }> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? basename(url.replace(/^file:\/\//, '')) : '';
    nameOf.set(node.id, file ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName);
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    totalUs += delta;
    const name = nameOf.get(id) ?? '?';
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
  });
  const lines = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({
      function: name,
      self_ms: Math.round(us / 1000),
      share: Number((us / totalUs).toFixed(3)),
    }));
  return { total_ms: Math.round(totalUs / 1000), lines };
}
