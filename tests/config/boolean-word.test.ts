import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import { booleanWord } from '../../lib/text/boolean-word.js';
import { startTracing } from '../../lib/tracing/start-tracing.js';

describe('one set of true/false words', () => {
  it.each([
    ['true', true],
    [' YES ', true],
    ['1', true],
    ['on', true],
    ['false', false],
    ['No', false],
    ['0', false],
    ['off', false],
    ['', null],
    ['maybe', null],
    [undefined, null],
  ])('%j is %j', (word, expected) => {
    expect(booleanWord(word)).toBe(expected);
  });

  it.each(['off', 'no', '0', 'false'])(
    'PRICING_SYNC_ENABLED=%s disables the cron, as TEMPO_ENABLED=%s disables tracing',
    async (word) => {
      expect(readConfig({ PRICING_SYNC_ENABLED: word }).enabled).toBe(false);
      // An endpoint no test ever reaches: tracing is off, so nothing is started or sent.
      expect(
        await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', TEMPO_ENABLED: word }),
      ).toBe(false);
    },
  );
});
