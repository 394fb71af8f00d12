import { describe, expect, it } from 'vitest';
import { atMost, COMMITS_AT_ONCE } from '../../lib/sync/run-sync.js';

/** A work that records when it starts and ends, and ends when told to. */
function gate(name: string, log: string[], running: { now: number; most: number }) {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return {
    work: async () => {
      running.now += 1;
      running.most = Math.max(running.most, running.now);
      log.push(`start ${name}`);
      try {
        await done;
        return name;
      } finally {
        running.now -= 1;
        log.push(`end ${name}`);
      }
    },
    open,
    fail,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

// The sync's turns to commit (run-sync.ts): at most COMMITS_AT_ONCE providers commit at once, in
// the order they asked, and one that fails passes its turn on.
describe('turns to commit', () => {
  it('runs at most the limit at once, in the order asked, each next one as a slot frees', async () => {
    expect(COMMITS_AT_ONCE).toBe(2);
    const turns = atMost(COMMITS_AT_ONCE);
    const log: string[] = [];
    const running = { now: 0, most: 0 };
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(name, log, running));
    const results = gates.map((g) => turns(g.work));
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    gates[1]!.open();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    gates[0]!.open();
    gates[2]!.open();
    gates[3]!.open();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(running.most).toBe(2);
    expect(log.filter((line) => line.startsWith('start'))).toEqual([
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
  });

  it('passes the turn of a work that fails to the next, and the failure to its caller', async () => {
    const turns = atMost(1);
    const log: string[] = [];
    const running = { now: 0, most: 0 };
    const [first, second] = ['a', 'b'].map((name) => gate(name, log, running));
    const failing = turns(first!.work);
    const next = turns(second!.work);
    await settle();
    expect(log).toEqual(['start a']);
    first!.fail(new Error('commit failed'));
    await expect(failing).rejects.toThrow('commit failed');
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    second!.open();
    expect(await next).toBe('b');
    expect(running.most).toBe(1);
  });
});
