// A sender the webhook tests kill with SIGKILL mid-delivery: one delivery pass at DELIVER_AT.
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { deliverPending } from '../../lib/webhooks/webhook-outbox.js';

const store = new PricingStore(new PostgresAdapter({ connectionString: process.env.DATABASE_URL! }));
await deliverPending(
  store,
  {
    url: process.env.PRICING_WEBHOOK_URL!,
    secret: process.env.PRICING_WEBHOOK_SECRET!,
    format: 'standard',
    publicUrl: null,
  },
  { now: new Date(process.env.DELIVER_AT!), timeoutMs: 60_000 },
);
await store.close();
