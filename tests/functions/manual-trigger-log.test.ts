import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as trigger } from '../../api/admin/pricing/scheduler/trigger.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

// Issue 23 item 12: a manual run's log line says how it ended, at the level that fits.
describe('the manual trigger log line', () => {
  let harness: FunctionHarness;
  beforeAll(async () => {
    harness = await startFunctionHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('logs a failed manual run as an error, not as "completed: 0 models updated" at info', async () => {
    harness.replay.setScenario('all', { failFirst: 1000, errorStatus: 500 });
    harness.configure({ PRICING_PROVIDER_TIMEOUT_SECONDS: '2' });
    const response = await trigger(
      request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(await response.json()).toMatchObject({ status: 'failed' });
    const ended = harness.logs.filter((line) => line.msg.includes('Manual pricing sync'));
    expect(ended.map((line) => line.msg)).not.toContainEqual(expect.stringContaining('completed'));
    expect(ended).toContainEqual(
      expect.objectContaining({ level: 50, msg: '❌ Manual pricing sync failed', status: 'failed' }),
    );
  });

  it('logs a successful manual run at info with the models updated', async () => {
    harness.replay.setScenario('all', {});
    harness.configure();
    const response = await trigger(
      request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
    );
    expect(await response.json()).toMatchObject({ status: 'success' });
    expect(harness.logs).toContainEqual(
      expect.objectContaining({
        level: 30,
        msg: expect.stringMatching(/^Manual pricing sync completed: \d+ models updated in \d+\.\ds$/),
      }),
    );
  });
});
