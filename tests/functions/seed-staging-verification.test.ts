import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as cron } from '../../api/cron/pricing-sync.js';
import { GET as metrics } from '../../api/metrics.js';
import { POST as trigger } from '../../api/admin/pricing/scheduler/trigger.js';
import { parseExposition } from '../metrics/parse-exposition.js';
import {
  readSharedFixture,
  sharedFixturesPresent,
  SHARED_ABSENT_MESSAGE,
} from '../providers/provider-test-helpers.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

type Body = Record<string, unknown>;
interface HeldEntry {
  provider: string;
  model_id?: string;
  reason: string;
}

/** The real OpenRouter catalog; its `openai/gpt-transcribe` is priced $4,500 per 1M input tokens. */
const CATALOG = 'openrouter-models-all-2026-08-19.json';
const HELD_MODEL = 'openai/gpt-transcribe';

/** A fresh deployment (its own database) whose OpenRouter serves the real catalog. */
function freshDeployment(): () => FunctionHarness {
  let harness: FunctionHarness | undefined;
  beforeAll(async () => {
    harness = await startFunctionHarness();
    harness.replay.setScenario('openrouter', { body: readSharedFixture(CATALOG) });
    harness.configure(STAGING);
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => harness!;
}

/** The seed's staging environment. */
const STAGING = { PRICING_SYNC_PROVIDERS: 'openrouter,featherless', PRICING_SYNC_INTERVAL_HOURS: '3' };

// The seed's staging verification (steps 2.2-2.4) against the staging providers, with OpenRouter's
// real catalog served by the replay server: some of its models are rightly held (new_model_price),
// and the run is still a success, its holds reported beside the status.
describe.skipIf(!sharedFixturesPresent)(
  "the seed's staging verification with OpenRouter's real catalog",
  () => {
    describe('2.2: the first manual trigger', () => {
      const deployment = freshDeployment();

      it('as a dry run first, answers the status the real run would: success, the held model listed', async () => {
        const response = await trigger(
          request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: ADMIN_KEY }),
        );
        const answer = (await response.json()) as Body & { held_changes: HeldEntry[] };
        expect(answer).toMatchObject({ success: true, status: 'success', dry_run: true, total_errors: 0 });
        expect(answer.held_changes).toContainEqual(
          expect.objectContaining({
            provider: 'openrouter',
            model_id: HELD_MODEL,
            reason: 'new_model_price',
          }),
        );
      });

      it('answers success: true with the held model listed beside it', async () => {
        const response = await trigger(
          request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
        );
        expect(response.status).toBe(200);
        const answer = (await response.json()) as Body & { held_changes: HeldEntry[] };
        expect(answer).toMatchObject({ success: true, status: 'success', total_errors: 0 });
        expect(answer.held_changes).toContainEqual(
          expect.objectContaining({
            provider: 'openrouter',
            model_id: HELD_MODEL,
            reason: 'new_model_price',
          }),
        );
        expect(answer.total_held).toBe(answer.held_changes.length);
        expect(answer.providers).toMatchObject({ openrouter: { outcome: 'applied', applied: true } });
        const logged = deployment().logs.map((line) => line.msg);
        expect(logged).toContainEqual(
          expect.stringMatching(/^Manual pricing sync completed: \d+ models updated in \d+\.\ds, \d+ held$/),
        );
      });
    });

    describe('2.3-2.4: the first scheduled sync', () => {
      const deployment = freshDeployment();

      it("logs the seed's success line naming the holds, and pricing_scheduled_sync_runs_total counts a success", async () => {
        const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
        expect(response.status).toBe(200);
        const answer = (await response.json()) as Body & { held_changes: HeldEntry[] };
        expect(answer).toMatchObject({ success: true, status: 'success', total_errors: 0 });
        expect(answer.held_changes).toContainEqual(
          expect.objectContaining({
            provider: 'openrouter',
            model_id: HELD_MODEL,
            reason: 'new_model_price',
          }),
        );
        const logged = deployment().logs.map((line) => line.msg);
        expect(logged).toContain('🔄 Starting scheduled pricing sync...');
        expect(logged).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^✅ Scheduled pricing sync completed successfully \\(duration: \\d+\\.\\ds, updated: \\d+, held: ${String(answer.total_held)}\\)$`,
            ),
          ),
        );

        const exposition = parseExposition(await (await metrics(request('/metrics'))).text());
        expect(exposition.value('pricing_scheduled_sync_runs_total', { status: 'success' })).toBe(1);
        expect(exposition.value('pricing_scheduled_sync_runs_total', { status: 'partial' })).toBe(0);
      });
    });
  },
);

describe.skipIf(sharedFixturesPresent)(
  "the seed's staging verification with OpenRouter's real catalog",
  () => {
    it(`needs ../shared/fixtures/providers/${CATALOG} ${SHARED_ABSENT_MESSAGE}`, () => {
      expect(sharedFixturesPresent).toBe(false);
    });
  },
);
