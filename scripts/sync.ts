// npm run sync -- [--dry-run] [--providers a,b] [--force]
import { runSyncCommand } from '../lib/cli/sync-command.js';

process.exitCode = await runSyncCommand(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
