import { waitUntil } from '@vercel/functions';
import type { PricingStore } from '../db/pricing-store.js';
import type { Logger } from '../logging/logger.js';
import { announceFreshness, type ProviderFreshness } from './provider-freshness.js';
import { deliverPending, tidyOutbox, type DeliveryOptions, type DeliveryReport } from './webhook-outbox.js';
import type { WebhookConfig } from './webhook-settings.js';

export interface TickInput {
  /** The tick's time (tests inject it); null: the database's clock. */
  now?: Date | null;
  /**
   * Each provider's staleness now, as issue 25's freshness judges it (the caller reads it: this layer
   * sits below the configuration); asked only while webhooks are on.
   */
  judgeFreshness: () => Promise<readonly ProviderFreshness[]>;
}

/**
 * Sends webhooks from the outbox, off the path of the work that wrote them: `afterCommit` starts a
 * pass in the background (a sync or an operator action never waits for it, and a failure is only
 * logged), and `tick` (every cron tick) judges staleness, sends what is due and tidies the outbox.
 * One pass at a time per instance; the outbox's claims keep instances from sending an event twice
 * at once.
 */
export class WebhookDispatcher {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: PricingStore,
    private readonly config: WebhookConfig,
    private readonly logger: Logger,
    private readonly delivery: Omit<DeliveryOptions, 'now'> = {},
  ) {}

  /** After a commit: sends what is pending now, in the background. */
  afterCommit(): void {
    if (this.config.mode !== 'on') return;
    if (this.running) {
      this.again = true;
      return;
    }
    const pass = this.passes().finally(() => {
      this.running = null;
    });
    this.running = pass;
    // On Vercel an instance may be frozen once it has answered: keep it alive for the pass,
    // registered now (before the answer goes), not after an import resolves. Outside Vercel,
    // waitUntil has no request context to attach to and does nothing.
    waitUntil(pass);
  }

  /** Resolves when no background pass is running (the local runner and tests wait for it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      await this.pass(null);
    } while (this.again);
  }

  /** One delivery pass; never throws (an outbox that cannot be reached is the next tick's work). */
  private async pass(now: Date | null): Promise<DeliveryReport | null> {
    if (this.config.mode !== 'on') return null;
    try {
      const report = await deliverPending(this.store, this.config.settings, { ...this.delivery, now });
      if (report.retrying > 0 || report.dead > 0) {
        this.logger.warn({ ...report }, 'Webhook delivery failed for some events; they are retried later');
      }
      return report;
    } catch (error) {
      this.logger.warn(
        { error: messageOf(error) },
        'Webhook delivery pass failed; pending events wait for the next tick',
      );
      return null;
    }
  }

  /**
   * Every cron tick, whether it synced or not: staleness transitions, then a bounded delivery pass,
   * then tidying. Never throws: webhooks never fail a tick.
   */
  async tick(input: TickInput): Promise<DeliveryReport | null> {
    await this.idle();
    const now = input.now ?? null;
    try {
      if (this.config.mode === 'on') {
        await announceFreshness(this.store, await input.judgeFreshness(), now);
      }
      const report = await this.pass(now);
      await tidyOutbox(this.store, this.config.mode === 'off', now);
      return report;
    } catch (error) {
      this.logger.warn(
        { error: messageOf(error) },
        'Webhook tick failed; pending events wait for the next tick',
      );
      return null;
    }
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
