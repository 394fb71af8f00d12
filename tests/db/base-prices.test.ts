import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultMigrationsDirectory } from '../../lib/db/migrate.js';
import { priceRow, pinPrices } from '../../lib/db/rpc-arguments.js';
import { priceView } from '../../lib/db/rpc-results.js';
import { emptyRecord } from '../../lib/providers/catalog-items.js';
import { BASE_PRICES } from '../../lib/providers/price-record.js';

/**
 * BASE_PRICES is the TypeScript side's one list of base prices (docs/adding-a-price-field.md); the
 * SQL side names them in its tables, composite types and functions. This holds the two together,
 * in order, so that a price added on one side only fails here, not in a positional row at run time.
 * Read from supabase/schema.sql, which tests/db/schema-sql.test.ts holds to the migrations.
 */
async function schemaSql(): Promise<string> {
  return readFile(join(dirname(defaultMigrationsDirectory()), 'schema.sql'), 'utf8');
}

/** The attribute names of a composite type, in order. */
function typeAttributes(sql: string, name: string): string[] {
  const match = new RegExp(`create type public\\.${name} as \\((.*)\\);`).exec(sql);
  if (!match) throw new Error(`no type ${name} in schema.sql`);
  return match[1]!.split(', ').map((attribute) => attribute.split(' ')[0]!);
}

const rows = BASE_PRICES.map((price) => price.row);
const views = BASE_PRICES.map((price) => price.view);

describe('BASE_PRICES and the SQL schema', () => {
  it('lists the base prices of pricing_prices and pricing_prices_doc, in their order', async () => {
    const sql = await schemaSql();
    expect(typeAttributes(sql, 'pricing_prices').slice(1, 1 + rows.length)).toEqual(rows);
    expect(typeAttributes(sql, 'pricing_prices_doc').slice(1, 1 + views.length)).toEqual(views);
  });

  it('names a numeric column of model_pricing for each base price', async () => {
    const table = /create table public\.model_pricing \(([\s\S]*?)\n\);/.exec(await schemaSql())?.[1] ?? '';
    for (const view of views) expect(table).toContain(`\n  ${view} numeric,`);
  });

  it('is the list of prices pricing_set_pin requires', async () => {
    const sql = await schemaSql();
    const start = sql.indexOf('FUNCTION public.pricing_set_pin(');
    const body = sql.slice(start, sql.indexOf('CREATE OR REPLACE FUNCTION', start));
    const list = /unnest\(array\[([^\]]*)\]\) with ordinality/.exec(body)?.[1];
    expect(list?.split(', ').map((item) => item.replaceAll("'", ''))).toEqual(rows);
  });
});

describe('BASE_PRICES and the TypeScript shapes', () => {
  it('gives the record, the wire row, the pin and the API view their base prices in its order', () => {
    const record = Object.keys(emptyRecord('p', 'm'));
    expect(record.slice(3, 3 + BASE_PRICES.length)).toEqual(BASE_PRICES.map((price) => price.field));
    expect(Object.keys(priceRow.shape).slice(2, 2 + rows.length)).toEqual(rows);
    expect(Object.keys(pinPrices.shape).slice(0, rows.length)).toEqual(rows);
    expect(Object.keys(priceView.shape).slice(1, 1 + views.length)).toEqual(views);
  });
});
