// npm run demo:change: while `npm run demo` runs, makes its replayed OpenRouter feed change the way
// a real one does (one model's prices swing 100x, one model is new, one is no longer listed), then
// runs a sync through the demo, so the console has a held change to review.
import { generateModelSpecs } from '../dev/replay/generate-catalog.js';
import { findLocalServer, readServerFile } from '../dev/local/server-file.js';

const dataDir = process.env.PRICING_DATA_DIR ?? '.data/demo-pglite';
const size = Number(process.env.REPLAY_CATALOG_SIZE ?? '200');
const server = await findLocalServer(dataDir, process.env);
const replayUrl = (await readServerFile(dataDir))?.replayUrl;
if (!server || !replayUrl) {
  console.error(`no running \`npm run demo\` holds ${dataDir}: start it first, then run npm run demo:change`);
  process.exit(1);
}

// The catalog the demo serves (seed 1): swing the first priced model, remove the second.
const priced = generateModelSpecs({ seed: 1, size }).filter(
  (spec) => spec.kind === 'priced' && spec.aliasOf === null,
);
const [swung, removed] = priced;
if (!swung || !removed) {
  console.error(`the demo's catalog (REPLAY_CATALOG_SIZE=${size}) has too few priced models to change`);
  process.exit(1);
}
const scenario = {
  route: 'openrouter',
  size: size + 1,
  swingModelIndex: swung.index,
  swingFactor: '100',
  removeModelIndex: removed.index,
};
const changed = await fetch(`${replayUrl}/_control/scenario`, {
  method: 'POST',
  body: JSON.stringify(scenario),
});
if (!changed.ok) {
  console.error(`the replay server refused the change: ${changed.status} ${await changed.text()}`);
  process.exit(1);
}
console.log(
  `openrouter feed: ${swung.id} 100x, ${removed.id} removed, one new model (catalog of ${size + 1})`,
);

const sync = await fetch(`${server.url}/admin/pricing/scheduler/trigger`, {
  method: 'POST',
  headers: { authorization: `Bearer ${server.adminKey}`, 'x-pricing-via': `cli:demo-change` },
});
const report = (await sync.json()) as { run_id?: number; status?: string; error?: string };
console.log(
  sync.ok
    ? `sync run ${report.run_id}: ${report.status}`
    : `sync refused (${sync.status}): ${report.error ?? 'see the log of npm run demo'}`,
);
console.log(`review it: ${server.url}/console/#/held`);
