import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayScenario } from '../../dev/replay/replay-server.js';
import { scenario } from './support/scenario.js';
import { providerHash } from './support/wait-for.js';
import { startReliabilityRunner, type ReliabilityRunner } from './support/reliability-runner.js';

const AREA = 'Provider faults';

interface ProviderAnswer {
  outcome: string;
  applied: boolean;
  counts: Record<string, number>;
  error: { reason: string; message: string } | null;
  held_changes: { model_id?: string; reason?: string; scope?: string }[];
}

describe('provider faults (OpenRouter faulty, NEAR healthy), each through POST trigger', () => {
  let fixture: ReliabilityRunner;
  let storedBefore: string;
  const openrouterRows = () => providerHash(fixture.database!.admin, 'openrouter');

  beforeAll(async () => {
    fixture = await startReliabilityRunner({ env: { PRICING_PROVIDER_TIMEOUT_SECONDS: '1' } });
    const first = await fixture.trigger();
    expect(first.body.status).toBe('success');
    storedBefore = await openrouterRows();
  });
  afterEach(() => {
    fixture.replay.setScenario('all', {});
  });
  afterAll(async () => {
    await fixture.close();
  });

  async function faulty(patch: Partial<ReplayScenario>) {
    fixture.replay.setScenario('openrouter', patch);
    const requestsBefore = fixture.replay.requests.filter((request) => request.route === 'openrouter').length;
    const answer = await fixture.trigger();
    const providers = answer.body.providers as Record<string, ProviderAnswer>;
    return {
      status: answer.status,
      runStatus: answer.body.status as string,
      success: answer.body.success,
      totalHeld: answer.body.total_held,
      runId: answer.body.run_id as number,
      openrouter: providers.openrouter!,
      nearai: providers.nearai!,
      attempts:
        fixture.replay.requests.filter((request) => request.route === 'openrouter').length - requestsBefore,
      unchanged: (await openrouterRows()) === storedBefore,
    };
  }

  /** [name, replay patch, reason, how, requests the client makes: 4 attempts when retryable] */
  const failures: [string, Partial<ReplayScenario>, string, string, number][] = [
    ['500 on every attempt', { failFirst: 1_000, errorStatus: 500 }, 'http', 'retried with backoff', 4],
    [
      '429 with Retry-After: 1 on every attempt',
      { failFirst: 1_000, errorStatus: 429, retryAfter: '1' },
      'http',
      'retried after the asked wait',
      4,
    ],
    [
      'no answer at all (timeout)',
      { hang: true },
      'timeout',
      'each attempt cut at the 1 s provider timeout',
      4,
    ],
    ['malformed JSON', { malformedJson: true }, 'schema', 'not retried', 1],
    ['a body cut off mid-transfer', { truncateBody: true }, 'network', 'retried', 4],
    [
      'a 65 MiB body (over the 64 MiB cap)',
      { body: { data: [], padding: 'x'.repeat(65 * 1024 * 1024) } },
      'too_large',
      'refused while streaming',
      1,
    ],
  ];
  for (const [name, patch, reason, how, attempts] of failures) {
    it(`${name}: the provider fails with reason ${reason}, its prices stay, the others apply`, async ({
      task,
    }) => {
      const record = scenario(
        task,
        AREA,
        `200 with run status partial; openrouter failed (reason ${reason}, ${how}: ${attempts} request(s)); nearai applied; openrouter's stored prices unchanged`,
      );
      const result = await faulty(patch);
      record.observe(
        `${result.status}, run ${result.runStatus}; openrouter ${result.openrouter.outcome} (${result.openrouter.error?.reason}) after ${result.attempts} request(s); nearai ${result.nearai.outcome} (applied: ${result.nearai.applied}); openrouter prices ${result.unchanged ? 'unchanged (same content hash)' : 'CHANGED'}`,
      );
      expect(result.status).toBe(200);
      expect(result.runStatus).toBe('partial');
      expect(result.openrouter).toMatchObject({ outcome: 'failed', applied: false, error: { reason } });
      expect(result.attempts).toBe(attempts);
      expect(result.nearai.applied).toBe(true);
      expect(result.unchanged).toBe(true);
    });
  }

  it('an empty catalog: held by the shrink guardrail, nothing marked missing', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      'run partial; openrouter held (catalog guardrail), no model marked missing; stored prices unchanged',
    );
    const result = await faulty({ empty: true });
    const held = result.openrouter.held_changes.map((change) => `${change.scope}/${change.reason}`);
    record.observe(
      `${result.status}, run ${result.runStatus}; openrouter ${result.openrouter.outcome}, held: ${held.join(', ')}; missing ${result.openrouter.counts.missing}; prices ${result.unchanged ? 'unchanged' : 'CHANGED'}`,
    );
    expect(result.runStatus).toBe('partial');
    expect(result.openrouter).toMatchObject({ outcome: 'held', applied: false });
    expect(result.openrouter.held_changes.length).toBeGreaterThan(0);
    expect(result.unchanged).toBe(true);
  });

  it('a 12× price swing on one model among valid 10% changes: only that model is held', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      'run success (a model-level hold is not a failure): success true, total_held 1; the swung model held (price_swing) at its old price; the valid changes applied',
    );
    const priced = await fixture.database!.admin.query<{ model_id: string; input: string }>(
      `select model_id, input_price_per_1m_tokens::text as input from model_pricing
        where provider = 'openrouter' and state = 'active' and input_price_per_1m_tokens > 0
          and alias_of is null and model_id ~ '-[0-9]+$' order by model_id limit 1`,
    );
    const target = priced.rows[0]!;
    const index = Number(/-(\d+)$/.exec(target.model_id)![1]);
    const result = await faulty({ swingModelIndex: index, swingFactor: '12', priceChangeFraction: 0.1 });
    const after = await fixture.database!.admin.query<{ input: string }>(
      `select input_price_per_1m_tokens::text as input from model_pricing where provider = 'openrouter' and model_id = $1`,
      [target.model_id],
    );
    const heldIds = result.openrouter.held_changes.map((change) => change.model_id);
    record.observe(
      `run ${result.runStatus}, success ${String(result.success)}, total_held ${String(result.totalHeld)}; held ${JSON.stringify(heldIds)} (${result.openrouter.held_changes[0]?.reason}); ${target.model_id} stored input ${after.rows[0]?.input} (was ${target.input}); ${result.openrouter.counts.changed} valid changes applied`,
    );
    expect(result.runStatus).toBe('success');
    expect(result.success).toBe(true);
    expect(result.totalHeld).toBe(1);
    expect(heldIds).toEqual([target.model_id]);
    expect(result.openrouter.held_changes[0]?.reason).toBe('price_swing');
    expect(after.rows[0]?.input).toBe(target.input);
    expect(result.openrouter.counts.changed).toBeGreaterThan(0);
  });

  it('rolling back a run twice: 409 naming the rollback still in force; forced, 400 and nothing recorded', async ({
    task,
  }) => {
    const record = scenario(
      task,
      'Operator control',
      'the first rollback 200; the second 409 naming the first rollback (rolled_back_by), not "changed by a later run"; forced, 400 "would change no price"; no run or history row recorded by either refusal',
    );
    const result = await faulty({ priceChangeFraction: 0.1, priceChangeFactor: '1.5' });
    expect(result.runStatus).toBe('success');
    const rollback = (force: boolean) =>
      fetch(`${fixture.url}/admin/pricing/runs`, {
        method: 'POST',
        headers: { ...fixture.admin, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'rollback', run_id: result.runId, force }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    const recorded = async () =>
      (
        await fixture.database!.admin.query<{ runs: number; history: number }>(
          `select (select count(*) from public.pricing_sync_runs)::int as runs,
                  (select count(*) from public.model_pricing_history)::int as history`,
        )
      ).rows[0]!;
    const first = await rollback(false);
    const before = await recorded();
    const again = await rollback(false);
    const forced = await rollback(true);
    const after = await recorded();
    record.observe(
      `first ${first.status} (run ${String(first.body.run_id)}, ${String(first.body.models_reverted)} reverted); again ${again.status}: ${String(again.body.error)}; forced ${forced.status}: ${String(forced.body.error)}; runs ${before.runs} → ${after.runs}, history rows ${before.history} → ${after.history}`,
    );
    expect(first.status).toBe(200);
    expect(again.status).toBe(409);
    expect(again.body.rolled_back_by).toBe(first.body.run_id);
    expect(forced.status).toBe(400);
    expect(forced.body.error).toMatch(/would change no price/);
    expect(after).toEqual(before);
  });
});
