import type { RpcTransport } from './rpc-transport.js';
import { StoreError } from './store-error.js';

/** The code of the StoreError every call of an unconfigured store fails with. */
export const NOT_CONFIGURED = 'NOT_CONFIGURED';

/**
 * Stands in for a database when none is configured where one must be (on Vercel): every call fails
 * at once with a StoreError the HTTP edge answers as an invalid configuration (500, config_errors),
 * and nothing connects anywhere.
 */
export class UnconfiguredTransport implements RpcTransport {
  readonly kind = 'none' as const;

  constructor(private readonly reason: string) {}

  call(): Promise<unknown> {
    return Promise.reject(new StoreError(this.reason, { code: NOT_CONFIGURED }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
