import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';

describe('database round trips of a sync', () => {
  let harness: FunctionHarness;
  const calls: string[] = [];
  beforeAll(async () => {
    harness = await startFunctionHarness();
    const transport = harness.store.transport;
    const call = transport.call.bind(transport);
    transport.call = (name, args) => {
      calls.push(name);
      return call(name, args);
    };
  });
  afterAll(async () => {
    await harness.close();
  });

  const sync = async () => {
    calls.length = 0;
    const outcome = await harness
      .configure()
      .sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });
    expect(outcome.kind).toBe('finished');
    return calls.filter((name) => name !== 'pricing_read_status');
  };

  it('stays within ceil(rows/5000) + 3 per provider when nothing is held or pinned', async () => {
    const first = await sync();
    // Two providers of 30 models: per provider one operator-state read, one model read and one
    // commit; plus the lease and provider rows before, the finish after. No held-row call.
    expect(first).not.toContain('pricing_record_sync_holds');
    const perProvider = first.filter(
      (name) => name !== 'pricing_take_lease' && name !== 'pricing_finish_run',
    );
    expect(perProvider.length).toBeLessThanOrEqual(2 * (1 + 3));
    // Unchanged: the catalog hash short-cuts each provider to its provider-row update.
    const again = await sync();
    expect(again).not.toContain('pricing_read_models');
    expect(again).not.toContain('pricing_record_sync_holds');
  });
});
