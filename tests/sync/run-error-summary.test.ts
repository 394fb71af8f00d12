import { describe, expect, it } from 'vitest';
import { causeCodeOf } from '../../lib/provider-http/provider-error.js';
import { runErrorSummary } from '../../lib/sync/run-error-summary.js';
import { emptyCounts, type ProviderResult } from '../../lib/sync/sync-result.js';

function result(provider: string, error: ProviderResult['error'], applied = false): ProviderResult {
  return {
    provider,
    outcome: error ? 'failed' : applied ? 'applied' : 'held',
    applied,
    duration_seconds: 0,
    counts: emptyCounts(),
    error,
    invalid_examples: [],
    held_changes: [],
  };
}
const refused = { reason: 'network', message: 'fetch failed (ECONNREFUSED)', code: 'ECONNREFUSED' } as const;

describe('the run error when every provider failed', () => {
  it.each([
    [
      'groups the causes, most frequent first',
      [
        result('openrouter', refused),
        result('nearai', refused),
        result('featherless', { reason: 'http', message: 'HTTP 401', status: 401 }),
        result('litellm', refused),
      ],
      'all 4 providers failed: network ECONNREFUSED (3), http 401 (1)',
    ],
    [
      'names a cause without a code by its reason',
      [result('openrouter', { reason: 'timeout', message: 'no answer' })],
      'the only provider failed: timeout (1)',
    ],
    [
      'says when the rest were held and nothing applied',
      [result('openrouter', { reason: 'network', message: 'x', code: 'ENOTFOUND' }), result('nearai', null)],
      '1 of 2 providers failed, none applied: network ENOTFOUND (1)',
    ],
  ])('%s', (_name, results, expected) => {
    expect(runErrorSummary(results)).toBe(expected);
  });

  it('is null when something applied, or when nothing failed', () => {
    expect(runErrorSummary([result('openrouter', refused), result('nearai', null, true)])).toBeNull();
    expect(runErrorSummary([result('openrouter', null)])).toBeNull();
    expect(runErrorSummary([])).toBeNull();
  });
});

describe('the cause code of a fetch failure', () => {
  it.each([
    [
      'a system error under fetch failed',
      new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }),
      'ENOTFOUND',
    ],
    [
      'the first address of an AggregateError',
      new TypeError('fetch failed', {
        cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      }),
      'ECONNREFUSED',
    ],
    [
      'a TLS code',
      new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }) }),
      'CERT_HAS_EXPIRED',
    ],
    ['nothing when there is no code', new TypeError('fetch failed'), undefined],
  ])('finds %s', (_name, error, expected) => {
    expect(causeCodeOf(error)).toBe(expected);
  });
});
