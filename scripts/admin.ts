// npm run admin -- held list | held approve ID... | pins set ... | runs rollback RUN_ID | prices --at ISO
import { runAdminCommand } from '../lib/cli/admin-command.js';

process.exitCode = await runAdminCommand(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
