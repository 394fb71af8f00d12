import { describe, expect, it } from 'vitest';
import { OperatorStore } from '../../lib/db/operator-store.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { rpcArguments } from '../../lib/db/rpc-catalog.js';
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
      storeAnswering({ ok: false, status: 200, error: 'x' }).call('pricing_decide_held', {
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
    }).call('pricing_rollback_run', {
      runId: 1,
      force: false,
      triggeredBy: 'a',
    });
    expect(answer).toEqual({ ok: false, status: 409, error: 'busy', running_run_id: 7 });
  });
});

// `call` derives the SQL function's argument names from the request's, so no store method restates them.
describe('the operator store names a call the way the catalog declares it', () => {
  it('sends each TypeScript name as the function argument it stands for', async () => {
    const sent: [string, unknown][] = [];
    const transport: RpcTransport = {
      kind: 'postgres',
      call: async (name, args) => {
        sent.push([name, args]);
        return { history: [], next_before_id: null };
      },
      close: async () => undefined,
    };
    await new OperatorStore(new PricingStore(transport)).call('pricing_read_price_history', {
      provider: null,
      modelId: 'a/b',
      beforeId: 9,
      limit: 10,
    });
    expect(sent).toEqual([
      ['pricing_read_price_history', { p_provider: null, p_model_id: 'a/b', p_before_id: 9, p_limit: 10 }],
    ]);
  });

  it('refuses a request that leaves out an argument or names one the function does not take', () => {
    expect(() => rpcArguments('pricing_read_pins', {} as { provider: string })).toThrow(
      /pricing_read_pins: missing argument\(s\) p_provider/,
    );
    expect(() =>
      rpcArguments('pricing_read_pins', { provider: null, modelId: 'x' } as { provider: null }),
    ).toThrow(/pricing_read_pins: unknown argument\(s\) p_model_id/);
  });
});
