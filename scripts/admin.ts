// npm run -s admin -- [--demo] [--json] held list | held approve ID... | pins set ... | runs rollback RUN_ID | prices --at ISO | changes --since C
import { runAdminCommand } from '../lib/cli/admin-command.js';
import { openCommandStore } from '../lib/cli/command-io.js';
import { findLocalServer } from '../dev/local/server-file.js';

// A table for a person at a terminal; JSON when piped (`| jq`) or with --json.
process.exitCode = await runAdminCommand(
  process.argv.slice(2),
  process.env,
  {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    format: process.stdout.isTTY ? 'text' : 'json',
  },
  openCommandStore,
  findLocalServer,
);
