import { describe, expect, it } from 'vitest';
import type { LiteLlmMapSource } from '../../lib/db/pricing-store.js';
import {
  answerLiteLlmMap,
  liteLlmMapKey,
  type CachedMapAnswer,
} from '../../lib/functions/litellm-map-cache.js';

/** A store stand-in at `version`, counting full reads (the expensive ones). */
function fakeStore(state: { version: string; entries: Record<string, Record<string, unknown>> }) {
  const reads: (string | null)[] = [];
  let full = 0;
  const read = async (known: string | null): Promise<LiteLlmMapSource> => {
    reads.push(known);
    if (known === state.version)
      return { version: state.version, notModified: true, entries: {}, prices: [] };
    full += 1;
    return { version: state.version, notModified: false, entries: state.entries, prices: [] };
  };
  return { reads, read, fullReads: () => full };
}

async function text(answer: CachedMapAnswer): Promise<string> {
  if (answer.kind !== 'body') return answer.kind;
  return new Response(answer.body).text();
}

describe('the LiteLLM map cache', () => {
  it('builds the map once and serves the stored text while the version stays', async () => {
    const state = { version: '3', entries: { 'gpt-x': { input_cost_per_token: 1e-6 } } };
    const store = fakeStore(state);
    const owner = {};
    const ask = (clientVersion: string | null = null) =>
      answerLiteLlmMap({ owner, slot: 'all', clientVersion, routes: {}, freshnessKey: '', read: store.read });
    const first = await text(await ask());
    expect(JSON.parse(first)).toEqual(state.entries);
    expect(await text(await ask())).toBe(first);
    expect(await text(await ask())).toBe(first);
    expect(store.fullReads()).toBe(1);
    // A client that holds the version gets a 304.
    expect((await ask('3')).kind).toBe('not_modified');

    state.version = '4';
    state.entries = { 'gpt-x': { input_cost_per_token: 2e-6 } };
    expect(JSON.parse(await text(await ask('3')))).toEqual(state.entries);
    expect(store.fullReads()).toBe(2);
  });

  it('builds again when anything else the answer depends on changes: routes, freshness', async () => {
    const state = { version: '1', entries: { m: { mode: 'chat' } } };
    const store = fakeStore(state);
    const owner = {};
    const ask = (routes: Record<string, string>, freshnessKey: string) =>
      answerLiteLlmMap({ owner, slot: 'all', clientVersion: null, routes, freshnessKey, read: store.read });
    await text(await ask({}, ''));
    await text(await ask({ openrouter: 'openrouter' }, ''));
    await text(await ask({ openrouter: 'openrouter' }, 'stale:openrouter'));
    await text(await ask({ openrouter: 'openrouter' }, 'stale:openrouter'));
    expect(store.fullReads()).toBe(3);
  });

  it('keeps one stored body per slot: clients asking for each variant in turn never rebuild', async () => {
    const state = { version: '1', entries: { m: { mode: 'chat' }, n: { mode: 'chat' } } };
    const store = fakeStore(state);
    const owner = {};
    const ask = (slot: 'with-stale' | 'without-stale') =>
      answerLiteLlmMap({
        owner,
        slot,
        clientVersion: null,
        routes: {},
        freshnessKey: `stale=${slot === 'with-stale'}`,
        read: store.read,
        select: (source) =>
          slot === 'with-stale' ? source : { ...source, entries: { m: source.entries.m! } },
      });
    for (let round = 0; round < 3; round += 1) {
      expect(Object.keys(JSON.parse(await text(await ask('with-stale'))))).toEqual(['m', 'n']);
      expect(Object.keys(JSON.parse(await text(await ask('without-stale'))))).toEqual(['m']);
    }
    expect(store.fullReads()).toBe(2);
  });

  it('keeps a map per store: two stores at the same version never share one', async () => {
    const one = fakeStore({ version: '1', entries: { a: { mode: 'chat' } } });
    const two = fakeStore({ version: '1', entries: { b: { mode: 'chat' } } });
    const ask = (owner: object, read: typeof one.read) =>
      answerLiteLlmMap({ owner, slot: 'all', clientVersion: null, routes: {}, freshnessKey: '', read });
    const ownerOne = {};
    const ownerTwo = {};
    expect(JSON.parse(await text(await ask(ownerOne, one.read)))).toEqual({ a: { mode: 'chat' } });
    expect(JSON.parse(await text(await ask(ownerTwo, two.read)))).toEqual({ b: { mode: 'chat' } });
  });

  it('answers "empty" when nothing is synced, and stores nothing', async () => {
    const store = fakeStore({ version: '0', entries: {} });
    const owner = {};
    const ask = () =>
      answerLiteLlmMap({
        owner,
        slot: 'all',
        clientVersion: null,
        routes: {},
        freshnessKey: '',
        read: store.read,
      });
    expect((await ask()).kind).toBe('empty');
    expect((await ask()).kind).toBe('empty');
    expect(store.reads).toEqual([null, null]);
  });

  it('keys on the routes whatever their order', () => {
    expect(liteLlmMapKey({ version: '1', routes: { a: 'x', b: 'y' }, freshnessKey: '' })).toBe(
      liteLlmMapKey({ version: '1', routes: { b: 'y', a: 'x' }, freshnessKey: '' }),
    );
  });
});
