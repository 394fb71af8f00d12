/**
 * `npm run providers:replay`: serves all five providers on 127.0.0.1 for offline runs and demos.
 * Point the sync at it with the printed env; change scenarios with `POST /_control/scenario`.
 */
import { exitOnStartupError, explainListenError } from '../dev/local/startup-error.js';
import { startReplayServer } from '../dev/replay/replay-server.js';

const port = Number(process.env.REPLAY_PORT ?? '4010');
if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
  console.error(`REPLAY_PORT must be a port number, got ${JSON.stringify(process.env.REPLAY_PORT)}`);
  process.exit(1);
}
const size = Number(process.env.REPLAY_CATALOG_SIZE ?? '200');
const server = await exitOnStartupError(() =>
  startReplayServer({
    port,
    defaults: { size: Number.isSafeInteger(size) && size >= 0 ? size : 200 },
  }).catch((error: unknown) => {
    throw explainListenError(error, port, 'REPLAY_PORT');
  }),
);

console.log(`provider replay server on ${server.url}`);
for (const [name, value] of Object.entries(server.baseUrls)) console.log(`${name}=${value}`);
console.log(
  `scenarios: curl -X POST ${server.url}/_control/scenario -d '{"route":"openrouter","failFirst":2,"errorStatus":429,"retryAfter":"7"}'`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
