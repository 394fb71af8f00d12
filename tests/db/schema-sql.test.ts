import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultMigrationsDirectory } from '../../lib/db/migrate.js';
import { generateSchemaSql } from '../../lib/db/schema-sql.js';

describe('supabase/schema.sql', () => {
  it('is the schema the migrations create (run `npm run db:schema` after changing a migration)', async () => {
    const committed = await readFile(join(dirname(defaultMigrationsDirectory()), 'schema.sql'), 'utf8');
    const generated = await generateSchemaSql();
    // Compared line by line so that a failure shows the lines that differ, not two 2,000-line strings.
    expect(committed.split('\n')).toEqual(generated.split('\n'));
    expect(generated).toContain('CREATE OR REPLACE FUNCTION public.pricing_commit_provider(');
    expect(generated).toContain('create table public.model_pricing (');
  });
});
