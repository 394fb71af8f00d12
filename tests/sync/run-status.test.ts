import { describe, expect, it } from 'vitest';
import { runStatusOf } from '../../lib/sync/run-status.js';
import { emptyCounts, type ProviderResult } from '../../lib/sync/sync-result.js';

function result(outcome: 'applied' | 'held-model' | 'held-provider' | 'failed'): ProviderResult {
  return {
    provider: 'p',
    outcome: outcome === 'failed' ? 'failed' : outcome === 'held-provider' ? 'held' : 'applied',
    applied: outcome === 'applied' || outcome === 'held-model',
    duration_seconds: 0,
    counts: emptyCounts(),
    error: outcome === 'failed' ? { reason: 'http', message: '500' } : null,
    invalid_examples: [],
    held_changes:
      outcome === 'held-model' || outcome === 'held-provider'
        ? [{ scope: outcome === 'held-model' ? 'model' : 'provider', reason: 'price_swing', detail: '' }]
        : [],
  };
}

describe('runStatusOf', () => {
  it.each([
    [['applied', 'applied'], 'success'],
    // A model-level hold is the guardrails working: the provider applied its catalog.
    [['applied', 'held-model'], 'success'],
    [['held-model'], 'success'],
    [['applied', 'failed'], 'partial'],
    [['held-model', 'failed'], 'partial'],
    // A provider held whole did not apply: not a success, not a failure either.
    [['applied', 'held-provider'], 'partial'],
    [['failed', 'held-provider'], 'partial'],
    [['held-provider'], 'partial'],
    [['failed', 'failed'], 'failed'],
    [['failed'], 'failed'],
    [[], 'failed'],
  ] as const)('%j -> %s', (outcomes, expected) => {
    expect(runStatusOf(outcomes.map(result))).toBe(expected);
  });
});
