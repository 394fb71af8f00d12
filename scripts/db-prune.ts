// npm run db:prune -- --older-than 90d: deletes old run history; metric totals and price history stay.
import { runPruneCommand } from '../lib/cli/prune-command.js';

process.exitCode = await runPruneCommand(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
