import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ReplayServer, ReplayServerOptions } from '../../dev/replay/replay-server.js';
import { startReplayServer } from '../../dev/replay/replay-server.js';

/**
 * One replay server for the test file: started before its first test, closed after its last, and
 * before each test every route is back to the file's defaults with no recorded requests. Returns
 * a handle usable in tests (not at module load: the server starts in `beforeAll`).
 */
export function useReplayServer(options: ReplayServerOptions = {}): ReplayServer {
  let server: ReplayServer | undefined;
  beforeAll(async () => {
    server = await startReplayServer(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    current().setScenario('all', {});
    current().requests.length = 0;
  });
  function current(): ReplayServer {
    if (!server) throw new Error('the replay server is used before beforeAll started it');
    return server;
  }
  return {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    get baseUrls() {
      return current().baseUrls;
    },
    get requests() {
      return current().requests;
    },
    setScenario: (route, patch) => current().setScenario(route, patch),
    scenario: (route) => current().scenario(route),
    close: () => current().close(),
  };
}
