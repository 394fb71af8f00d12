import { ProviderError } from '../provider-http/provider-error.js';

/**
 * What one provider may send in one run, all pages and attempts together. Each response is capped
 * on its own (64 MiB); without this, a paged feed could send 10,000 pages of that and exhaust the
 * function's memory. Going over fails that provider alone, with reason `too_large`.
 */
export class FetchBudget {
  private bytes = 0;
  private items = 0;

  constructor(
    readonly provider: string,
    /** `PRICING_PROVIDER_MAX_BYTES`. */
    readonly maxBytes: number,
    /** `PRICING_PROVIDER_MAX_ITEMS`. */
    readonly maxItems: number,
    /** Told the items received so far after each page (progress for a person watching). */
    private readonly onItems?: (itemsSoFar: number) => void,
  ) {}

  /** Counts bytes received (as they stream); throws `too_large` once over the cap. */
  chargeBytes(count: number, url: string): void {
    this.bytes += count;
    if (this.bytes > this.maxBytes) {
      throw this.tooLarge(url, `more than ${this.maxBytes} bytes in this run (PRICING_PROVIDER_MAX_BYTES)`);
    }
  }

  /** Counts catalog items received; throws `too_large` once over the cap. */
  chargeItems(count: number, url: string): void {
    this.items += count;
    if (this.items > this.maxItems) {
      throw this.tooLarge(url, `more than ${this.maxItems} items in this run (PRICING_PROVIDER_MAX_ITEMS)`);
    }
    this.onItems?.(this.items);
  }

  private tooLarge(url: string, detail: string): ProviderError {
    return new ProviderError(`${this.provider}: sent ${detail}; last from ${url}`, {
      reason: 'too_large',
      provider: this.provider,
      url,
      retryable: false,
    });
  }
}
