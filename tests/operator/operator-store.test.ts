import { describe, expect, it } from 'vitest';
import { OperatorStore } from '../../lib/db/operator-store.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { MALFORMED_RESULT } from '../../lib/db/rpc-results.js';
import type { RpcTransport } from '../../lib/db/rpc-transport.js';

function storeAnswering(result: unknown): OperatorStore {
  const transport: RpcTransport = {
    kind: 'postgres',
    call: async () => result,
    close: async () => undefined,
  };
  return new OperatorStore(new PricingStore(transport));
}

// The operator's results are checked at the port like every other: a wrong shape is a StoreError
// naming the function, never a sync that acts on garbage or an answer with a status the edge cannot give.
describe('the operator store checks what the database answers', () => {
  it('refuses an operator state of the wrong shape', async () => {
    await expect(
      storeAnswering({ pins: 'acme/a', expired_pins: [], rolled_back: [], rejected: [] }).readOperatorState(
        1,
        'x',
      ),
    ).rejects.toMatchObject({
      code: MALFORMED_RESULT,
      message: expect.stringMatching(/pricing_read_operator_state/),
    });
  });

  it('refuses a refusal whose status is not 400, 404 or 409', async () => {
    await expect(
      storeAnswering({ ok: false, status: 200, error: 'x' }).decideHeld({
        action: 'approve',
        ids: [1],
        decidedBy: 'a',
        note: null,
      }),
    ).rejects.toMatchObject({ code: MALFORMED_RESULT });
  });

  it('passes a well-formed refusal through', async () => {
    const answer = await storeAnswering({
      ok: false,
      status: 409,
      error: 'busy',
      running_run_id: 7,
    }).rollbackRun({
      runId: 1,
      force: false,
      triggeredBy: 'a',
    });
    expect(answer).toEqual({ ok: false, status: 409, error: 'busy', running_run_id: 7 });
  });
});
