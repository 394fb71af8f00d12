import type { Reply } from './http-get.js';
import { ProviderError } from './provider-error.js';

/** Why an attempt's own controller was aborted: its body passed a cap. */
export class BodyTooLarge extends Error {}

/** Every body byte of a run counted against its provider's budget; throws to stop reading. */
export interface ByteBudget {
  chargeBytes(count: number, url: string): void;
}

export interface BodyLimits {
  provider: string;
  url: string;
  /** Largest body accepted, declared or counted as it streams. */
  maxResponseBytes: number;
  budget: ByteBudget | undefined;
  /** The attempt's controller: aborted when a cap is passed, so the body stops streaming. */
  controller: AbortController;
  /** What a read that fails midway (timeout, the caller's abort, a reset) becomes. */
  failure: (error: unknown, bytesRead: number, expectedBytes: number | undefined) => ProviderError;
}

export function tooLarge(
  provider: string,
  url: string,
  maxResponseBytes: number,
  detail: string,
): ProviderError {
  return new ProviderError(
    `${provider}: response from ${url} is over the ${maxResponseBytes}-byte cap (${detail})`,
    { reason: 'too_large', provider, url, retryable: false },
  );
}

/**
 * A successful response's whole body, read under its caps: a declared length over
 * `maxResponseBytes` is refused before reading, a stream that passes it or the run's budget is cut
 * off, and a body shorter than its declared length is a retryable network error.
 */
export async function readCappedBody(reply: Reply, limits: BodyLimits): Promise<Uint8Array> {
  const { provider, url, maxResponseBytes, controller } = limits;
  const declaredLength = Number(reply.header('content-length') ?? Number.NaN);
  const declaredBytes = Number.isSafeInteger(declaredLength) ? declaredLength : undefined;
  if (declaredBytes !== undefined && declaredBytes > maxResponseBytes) {
    controller.abort(new BodyTooLarge());
    reply.discard();
    throw tooLarge(provider, url, maxResponseBytes, `declares ${declaredBytes} bytes`);
  }
  // A declared length counts the bytes as sent: only a body read as sent must have as many.
  const expectedBytes = reply.asSent ? declaredBytes : undefined;

  const chunks: Uint8Array[] = [];
  let bytesRead = 0;
  if (reply.body) {
    try {
      // Leaving the loop by a throw stops the body (the iterator's return), and the abort below
      // stops the connection.
      for await (const value of reply.body) {
        bytesRead += value.byteLength;
        if (bytesRead > maxResponseBytes) {
          controller.abort(new BodyTooLarge());
          throw tooLarge(provider, url, maxResponseBytes, `sent more than that`);
        }
        try {
          limits.budget?.chargeBytes(value.byteLength, url);
        } catch (error) {
          controller.abort(new BodyTooLarge());
          throw error;
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw limits.failure(error, bytesRead, expectedBytes);
    }
  }
  if (expectedBytes !== undefined && bytesRead < expectedBytes) {
    throw new ProviderError(
      `${provider}: truncated body from ${url}: got ${bytesRead} of ${expectedBytes} declared bytes`,
      { reason: 'network', provider, url, retryable: true },
    );
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytesRead);
}
