// npm run db:schema: writes supabase/schema.sql, the schema as a fresh db:migrate leaves it.
import { writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { defaultMigrationsDirectory } from '../lib/db/migrate.js';
import { generateSchemaSql } from '../lib/db/schema-sql.js';

const target = join(dirname(defaultMigrationsDirectory()), 'schema.sql');
await writeFile(target, await generateSchemaSql());
console.log(`wrote ${target}`);
