// npm run sync -- [--dry-run] [--providers a,b] [--force] [--demo]
import { runSyncCommand } from '../dev/cli/sync-command.js';

// Text for a person at a terminal; JSON lines for a pipe, a CI log or LOG_FORMAT=json.
const json = process.env.LOG_FORMAT?.trim().toLowerCase() === 'json' || !process.stderr.isTTY;
process.exitCode = await runSyncCommand(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  format: json ? 'json' : 'text',
  ...(json ? {} : { progress: (text: string) => process.stderr.write(text) }),
});
