// npm start: the functions on localhost (PORT, default 3000), the emulated cron, PGlite by default.
import { exitOnStartupError } from '../dev/local/startup-error.js';
import { serveLocally } from '../dev/local/serve-locally.js';

const served = await exitOnStartupError(() => serveLocally({ demo: false, env: process.env }));
const stop = () => void served.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
