// npm run demo: npm start with every provider replayed from a local server: no network needed.
import { exitOnStartupError } from '../dev/local/startup-error.js';
import { serveLocally } from '../dev/local/serve-locally.js';

const served = await exitOnStartupError(() => serveLocally({ demo: true, env: process.env }));
const stop = () => void served.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
