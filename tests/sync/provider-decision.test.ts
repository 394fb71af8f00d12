import { describe, expect, it } from 'vitest';
import { decideProvider, type ProviderFacts } from '../../lib/sync/provider-decision.js';

const HASH = 'hash-of-this-catalog';

/** A catalog of 2 readable models, not LiteLLM, last applied with this very hash, real and not forced. */
const base: ProviderFacts = {
  records: 2,
  unreadable: 0,
  liteLlmEntries: false,
  lastCatalogHash: HASH,
  force: false,
  dryRun: false,
};

describe('decideProvider', () => {
  it.each([
    // name, facts, shortcut, reads stored, stages entries, hashed when
    ['the catalog last applied', {}, true, false, false, 'now'],
    ['another catalog than the last applied', { lastCatalogHash: 'other' }, false, true, false, 'now'],
    ['no hash stored (first sync, or something held)', { lastCatalogHash: null }, false, true, false, 'now'],
    ['the catalog last applied, forced', { force: true }, false, true, false, 'now'],
    ['the catalog last applied with an unreadable model', { unreadable: 1 }, false, true, false, 'now'],
    ['an empty catalog with the stored hash', { records: 0 }, false, true, false, 'now'],
    ['the catalog last applied, a dry run', { dryRun: true }, true, false, false, 'now'],
    ['LiteLLM: the catalog last applied', { liteLlmEntries: true }, true, false, false, 'now'],
    [
      'LiteLLM: another catalog than the last applied',
      { liteLlmEntries: true, lastCatalogHash: 'other' },
      false,
      true,
      true,
      'now',
    ],
    [
      'LiteLLM: no hash stored',
      { liteLlmEntries: true, lastCatalogHash: null },
      false,
      true,
      true,
      'while committing',
    ],
    ['LiteLLM: forced', { liteLlmEntries: true, force: true }, false, true, true, 'while committing'],
    [
      'LiteLLM: an unreadable model listed',
      { liteLlmEntries: true, unreadable: 3 },
      false,
      true,
      true,
      'while committing',
    ],
    [
      'LiteLLM: no hash stored, a dry run',
      { liteLlmEntries: true, lastCatalogHash: null, dryRun: true },
      false,
      true,
      false,
      'while committing',
    ],
  ] as const)(
    '%s: shortcut %s, reads stored %s, stages entries %s, hashed %s',
    (_name, facts, shortcut, readsStored, stages, hashedWhen) => {
      let hashCalls = 0;
      const decision = decideProvider({ ...base, ...facts }, () => {
        hashCalls += 1;
        return HASH;
      });
      expect(decision).toEqual({
        shortcut,
        hash: hashedWhen === 'now' ? HASH : null,
        readsStored,
        stagesLiteLlmEntries: stages,
        hashWhileCommitting: hashedWhen === 'while committing',
      });
      expect(hashCalls).toBe(hashedWhen === 'now' ? 1 : 0);
    },
  );
});
