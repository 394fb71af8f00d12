// npm start: the functions on localhost (PORT, default 3000), the emulated cron, PGlite by default.
import { exitOnPortInUse } from '../lib/local/port-in-use.js';
import { serveLocally } from '../lib/local/serve-locally.js';

const served = await exitOnPortInUse(() => serveLocally({ demo: false, env: process.env }));
const stop = () => void served.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
