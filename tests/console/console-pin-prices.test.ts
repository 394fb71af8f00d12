import { describe, expect, it } from 'vitest';
import { BASE_PRICES } from '../../lib/providers/price-record.js';

/** The console's pin form fields: [label, the pin's price name, the API view's key]. */
type PriceField = [label: string, pinName: string, viewKey: string];

describe("the console's pin form", () => {
  // A pin must name every base price (PUT /admin/pricing/pins refuses one that does not), and the
  // console is plain browser JavaScript that cannot import BASE_PRICES: a base price added there
  // and not in the form would make every pin set from the console a 400.
  it('asks for every base price, in BASE_PRICES order, under its pin name and view key', async () => {
    const pins = '../../public/console/pins.js';
    const { PRICE_FIELDS } = (await import(pins)) as { PRICE_FIELDS: PriceField[] };
    expect(PRICE_FIELDS.map(([, pinName, viewKey]) => [pinName, viewKey])).toEqual(
      BASE_PRICES.map((base) => [base.row, base.view]),
    );
  });
});
