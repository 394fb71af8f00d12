// npm run db:migrate: applies supabase/migrations to DATABASE_URL, or to the PGlite data dir.
import { PgliteAdapter } from '../lib/db/pglite-adapter.js';
import { PostgresAdapter } from '../lib/db/postgres-adapter.js';
import { storageConfigFromEnv } from '../lib/db/open-store.js';
import { explainDatabaseConnectionError } from '../lib/db/database-url.js';

try {
  // DATABASE_URL wins here even beside SUPABASE_URL: it is how migrations reach a Supabase database.
  const config = process.env.DATABASE_URL?.trim()
    ? storageConfigFromEnv({ DATABASE_URL: process.env.DATABASE_URL })
    : storageConfigFromEnv(process.env);
  if (config.kind === 'supabase') {
    console.error(
      'db:migrate talks SQL, which supabase-js cannot: run `supabase db push`, or set DATABASE_URL to the ' +
        "project's direct connection string (Settings > Database) and run again.",
    );
    process.exitCode = 1;
  } else if (config.kind === 'postgres') {
    const adapter = new PostgresAdapter({ connectionString: config.connectionString });
    try {
      const report = await adapter.migrate();
      if (report.adopted) {
        console.log(
          "adopted: this database ran the migrations squashed into the baseline; its functions are the baseline's now",
        );
      }
      for (const name of report.applied) console.log(`applied ${name}`);
      console.log(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied`);
    } finally {
      await adapter.close();
    }
  } else {
    // Opening PGlite migrates it.
    const adapter = await PgliteAdapter.open({ dataDir: config.dataDir });
    await adapter.close();
    console.log(`PGlite at ${config.dataDir} is migrated`);
  }
} catch (error) {
  const explained = explainDatabaseConnectionError(error, process.env.DATABASE_URL?.trim() ?? '');
  console.error(explained ?? (error instanceof Error ? error.message : error));
  process.exitCode = 1;
}
