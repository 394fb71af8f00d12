/**
 * `npx tsx bench/decimal-parse.ts`: our decimal module against big.js on what a 25,000-model sync
 * does with prices: read a provider's per-token price into USD per 1M tokens, and compare a stored
 * price with a fetched one spelled differently. Checks that both give the same answers first, then
 * prints the median milliseconds of each over several rounds. The decision it informed is written
 * in lib/money/decimal.ts.
 */
import Big from 'big.js';
import { compareDecimal, perTokenToPerMillion } from '../lib/money/decimal.js';
import { median } from './metrics-latency.js';

const MODELS = 25_000;
const ROUNDS = 15;

// Per-token prices as providers send them: plain decimals and exponent forms.
const perToken = Array.from({ length: MODELS * 2 }, (_, index) =>
  index % 3 === 0 ? `${(index % 97) + 1}e-7` : `0.000000${(index % 9000) + 1000}`,
);
// Stored prices (trim_scale) against fetched ones with a trailing zero: the case that parses.
const pairs = Array.from({ length: MODELS * 2 }, (_, index) => [
  `${index % 500}.${index % 7}5`,
  `${index % 500}.${index % 7}50`,
]);

const ours = {
  convert: (value: string) => perTokenToPerMillion(value),
  compare: (a: string, b: string) => compareDecimal(a, b),
};
const bigJs = {
  convert: (value: string) => new Big(value).times(1_000_000).toFixed(),
  compare: (a: string, b: string) => new Big(a).cmp(b),
};

for (const value of perToken) {
  if (ours.convert(value) !== bigJs.convert(value))
    throw new Error(`convert ${value}: ${ours.convert(value)} vs ${bigJs.convert(value)}`);
}
for (const [a, b] of pairs) {
  if (ours.compare(a!, b!) !== bigJs.compare(a!, b!)) throw new Error(`compare ${a} ${b}`);
}

function time(work: () => void): number {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    work();
    rounds.push(performance.now() - started);
  }
  return median(rounds);
}

const results = {
  [`convert ${perToken.length} per-token prices, ours`]: time(() => perToken.forEach(ours.convert)),
  [`convert ${perToken.length} per-token prices, big.js`]: time(() => perToken.forEach(bigJs.convert)),
  [`compare ${pairs.length} price pairs, ours`]: time(() => pairs.forEach(([a, b]) => ours.compare(a!, b!))),
  [`compare ${pairs.length} price pairs, big.js`]: time(() =>
    pairs.forEach(([a, b]) => bigJs.compare(a!, b!)),
  ),
};
for (const [name, milliseconds] of Object.entries(results)) {
  process.stdout.write(`${name}: ${milliseconds.toFixed(1)} ms (median of ${ROUNDS})\n`);
}
