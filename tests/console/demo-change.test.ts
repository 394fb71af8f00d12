import { describe, expect, it } from 'vitest';
import { generateModelSpecs } from '../../dev/replay/generate-catalog.js';
import { startReplayServer } from '../../dev/replay/replay-server.js';

/** The replay knobs `npm run demo:change` turns: a swing, a new model, a removed model. */
describe('the replay changes npm run demo:change makes', () => {
  it('removeModelIndex leaves out exactly that model, every other one unchanged', () => {
    const before = generateModelSpecs({ seed: 1, size: 30 });
    const after = generateModelSpecs({ seed: 1, size: 31, removeModelIndex: 4 });
    expect(after.map((spec) => spec.index)).toEqual([
      ...before.map((spec) => spec.index).filter((index) => index !== 4),
      30,
    ]);
    expect(after.find((spec) => spec.index === 5)).toEqual(before.find((spec) => spec.index === 5));
  });

  it('the replay server takes it over its control endpoint', async () => {
    const replay = await startReplayServer({ defaults: { size: 10 } });
    try {
      const response = await fetch(`${replay.url}/_control/scenario`, {
        method: 'POST',
        body: JSON.stringify({
          route: 'openrouter',
          size: 11,
          removeModelIndex: 2,
          swingModelIndex: 0,
          swingFactor: '100',
        }),
      });
      expect(response.status).toBe(200);
      expect(replay.scenario('openrouter')).toMatchObject({
        size: 11,
        removeModelIndex: 2,
        swingFactor: '100',
      });
    } finally {
      await replay.close();
    }
  });
});
