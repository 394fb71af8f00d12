import { describe, expect, it } from 'vitest';
import { createRandom } from '../../dev/replay/generate-catalog.js';
import { MAX_DEPTH, scanItems } from '../../lib/providers/json-items.js';

const encode = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** What the HTTP client does with a body: strict UTF-8, then JSON.parse. */
function parsedAsBefore(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/**
 * The scan's promise: when it answers, the body is one the client would have parsed, the items are
 * exactly that parse's `key` array (each span parses to its item), and the envelope is the rest.
 * Returns whether it answered.
 */
function checkAgainstParse(bytes: Uint8Array, key = 'data'): boolean {
  const scanned = scanItems(bytes, key);
  if (scanned === null) return false;
  const before = parsedAsBefore(bytes);
  expect(before.ok).toBe(true);
  const document = (before as { value: Record<string, unknown> }).value;
  expect(typeof document === 'object' && document !== null && !Array.isArray(document)).toBe(true);
  const items = document[key];
  expect(Array.isArray(items)).toBe(true);
  expect(scanned.count).toBe((items as unknown[]).length);
  for (let index = 0; index < scanned.count; index += 1) {
    const text = scanned.bytes.toString('utf8', scanned.starts[index], scanned.ends[index]);
    expect(JSON.parse(text)).toEqual((items as unknown[])[index]);
  }
  expect(JSON.parse(scanned.envelope)).toEqual({ ...document, [key]: [] });
  return true;
}

const STRING_PIECES = [
  'a',
  'gpt-4o',
  ' ',
  'é',
  '€',
  '😀',
  '\\"',
  '\\\\',
  '\\/',
  '\\n',
  '\\t',
  '\\u0041',
  '\\ud800',
  '\\udc00x',
  '\\u0000',
  '/',
  ':',
  ',',
  '{',
  ']',
];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-12',
  '0.5',
  '3.25e-7',
  '1E+2',
  '1e999',
  '123456789012345678901234567890',
  '0.000001',
];
const SPACE = ['', ' ', '\n', '\t', '\r\n  '];

function generate(next: () => number, depth: number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const kind = depth > 4 ? Math.floor(next() * 4) : Math.floor(next() * 7);
  const space = () => pick(SPACE);
  switch (kind) {
    case 0:
      return `"${Array.from({ length: Math.floor(next() * 4) }, () => pick(STRING_PIECES)).join('')}"`;
    case 1:
      return pick(NUMBERS);
    case 2:
      return pick(['true', 'false', 'null']);
    case 3:
      return `"${pick(['x', 'id', 'pricing'])}"`;
    case 4:
    case 5: {
      const members = Array.from(
        { length: Math.floor(next() * 4) },
        () =>
          `${space()}${generate(next, 99).startsWith('"') ? `"${pick(['id', 'k', 'pricing', 'd\\u0061ta', ''])}"` : '"v"'}${space()}:${space()}${generate(next, depth + 1)}${space()}`,
      );
      return `{${members.join(',')}}`;
    }
    default:
      return `[${Array.from({ length: Math.floor(next() * 4) }, () => `${space()}${generate(next, depth + 1)}${space()}`).join(',')}]`;
  }
}

function document(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const items = Array.from(
    { length: Math.floor(next() * 6) },
    () => `${pick(SPACE)}${generate(next, 1)}${pick(SPACE)}`,
  );
  const members = [`"data":${pick(SPACE)}[${items.join(',')}]`];
  if (next() < 0.3) members.push(`"has_more":${pick(['true', 'false'])}`);
  if (next() < 0.3) members.unshift(`"total":${pick(NUMBERS)}`);
  if (next() < 0.15) members.push(`"data":[${generate(next, 1)}]`);
  if (next() < 0.1) members.push(`"d\\u0061ta":[]`);
  if (next() < 0.1) members.push(`"data":${generate(next, 1)}`);
  return `${next() < 0.05 ? '\ufeff' : ''}${pick(SPACE)}{${members.join(`,${pick(SPACE)}`)}}${pick(SPACE)}`;
}

const MUTATIONS = [
  0x00, 0x1f, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x31, 0x3a, 0x45, 0x5b, 0x5c, 0x5d, 0x65, 0x75, 0x7b, 0x7d,
  0x7f, 0x80, 0xc3, 0xed, 0xef, 0xff,
];

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const out = [...bytes];
  const at = Math.floor(next() * (out.length + 1));
  const choice = next();
  if (choice < 0.3) out.splice(at, 1);
  else if (choice < 0.6) out.splice(at, 0, MUTATIONS[Math.floor(next() * MUTATIONS.length)]!);
  else if (choice < 0.8)
    out[Math.min(at, out.length - 1)] = MUTATIONS[Math.floor(next() * MUTATIONS.length)]!;
  else out.length = at;
  return new Uint8Array(out);
}

describe('finding the items of a JSON array in its bytes', () => {
  it('gives the items, their bytes exactly, and the envelope of a page', () => {
    const body = encode(
      '{"object":"list", "data": [ {"id":"a/b","pricing":{"prompt":"0.1"}} ,{"id":"c"},[1,2], "x" ,3.5e-1 ], "total": 4}',
    );
    const scanned = scanItems(body, 'data')!;
    expect(scanned.count).toBe(5);
    const texts = Array.from({ length: scanned.count }, (_, index) =>
      scanned.bytes.toString('utf8', scanned.starts[index], scanned.ends[index]),
    );
    expect(texts).toEqual([
      '{"id":"a/b","pricing":{"prompt":"0.1"}}',
      '{"id":"c"}',
      '[1,2]',
      '"x"',
      '3.5e-1',
    ]);
    expect(JSON.parse(scanned.envelope)).toEqual({ object: 'list', data: [], total: 4 });
    expect(checkAgainstParse(body)).toBe(true);
  });

  it('keeps the last array of a repeated key, as JSON.parse does, and reads escaped keys', () => {
    expect(scanItems(encode('{"data":[1,2],"data":[3]}'), 'data')!.count).toBe(1);
    expect(scanItems(encode('{"data":[1,2],"d\\u0061ta":[3,4,5]}'), 'data')!.count).toBe(3);
    // The last one is not an array: the schema's error is JSON.parse's path's to give.
    expect(scanItems(encode('{"data":[1,2],"data":{}}'), 'data')).toBeNull();
    expect(scanItems(encode('{"models":[1]}'), 'data')).toBeNull();
    expect(scanItems(encode('[{"data":[1]}]'), 'data')).toBeNull();
  });

  it('gives up on every body the client would refuse, and on nesting past its depth', () => {
    const refused = [
      '',
      '{',
      '{"data":[1,]}',
      '{"data":[01]}',
      '{"data":[1.]}',
      '{"data":[.5]}',
      '{"data":[+1]}',
      '{"data":[1e]}',
      '{"data":[NaN]}',
      '{"data":["\u0001"]}',
      '{"data":["\\x"]}',
      '{"data":["\\u12"]}',
      '{"data":[tru]}',
      '{"data":[]} x',
      '{"data":[],}',
      "{'data':[]}",
      '\ufeff\ufeff{"data":[]}',
    ];
    for (const text of refused) {
      expect(parsedAsBefore(encode(text)).ok).toBe(false);
      expect(scanItems(encode(text), 'data')).toBeNull();
    }
    const notUtf8 = new Uint8Array([...encode('{"data":["'), 0xc3, 0x28, ...encode('"]}')]);
    expect(parsedAsBefore(notUtf8).ok).toBe(false);
    expect(scanItems(notUtf8, 'data')).toBeNull();
    const surrogateInUtf8 = new Uint8Array([...encode('{"data":["'), 0xed, 0xa0, 0x80, ...encode('"]}')]);
    expect(parsedAsBefore(surrogateInUtf8).ok).toBe(false);
    expect(scanItems(surrogateInUtf8, 'data')).toBeNull();
    const deep = `{"data":[${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}]}`;
    expect(parsedAsBefore(encode(deep)).ok).toBe(true);
    expect(scanItems(encode(deep), 'data')).toBeNull();
  });

  it('takes a byte-order mark, a NUL escape, lone surrogate escapes and huge numbers as JSON.parse does', () => {
    for (const text of [
      '\ufeff{"data":[1]}',
      '{"data":["\\u0000","\\ud800","\\udfff x"]}',
      '{"data":[1e999,-0,123456789012345678901234567890]}',
      '{"data":[{"__proto__":{"x":1}}]}',
    ])
      expect(checkAgainstParse(encode(text))).toBe(true);
  });

  it('agrees with TextDecoder and JSON.parse on 20,000 generated and mutated documents', () => {
    const next = createRandom(29);
    let answered = 0;
    let refusedByBoth = 0;
    for (let round = 0; round < 20_000; round += 1) {
      let bytes: Uint8Array = encode(document(next));
      if (round % 2 === 1) bytes = mutate(bytes, next);
      if (round % 4 === 3) bytes = mutate(bytes, next);
      if (checkAgainstParse(bytes)) answered += 1;
      else {
        const before = parsedAsBefore(bytes);
        const value = before.ok ? (before.value as Record<string, unknown>) : null;
        // Valid, an object, its last `data` an array: the scan must answer (no needless fallback).
        const shouldAnswer =
          value !== null && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value.data);
        expect(shouldAnswer).toBe(false);
        if (!before.ok) refusedByBoth += 1;
      }
    }
    // Both kinds were exercised in earnest.
    expect(answered).toBeGreaterThan(8_000);
    expect(refusedByBoth).toBeGreaterThan(4_000);
  });

  it('reads a 200,000-item page', () => {
    const body = encode(
      `{"data":[${Array.from({ length: 200_000 }, (_, index) => `{"id":"m${index}"}`).join(',')}]}`,
    );
    const scanned = scanItems(body, 'data')!;
    expect(scanned.count).toBe(200_000);
    expect(scanned.bytes.toString('utf8', scanned.starts[199_999], scanned.ends[199_999])).toBe(
      '{"id":"m199999"}',
    );
  });
});
