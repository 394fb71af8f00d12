import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ProviderError } from '../../lib/provider-http/provider-error.js';
import type { ProviderHttpClient } from '../../lib/provider-http/provider-http-client.js';
import { createProviderHttpClient } from '../../lib/provider-http/provider-http-client.js';

/** `../shared/fixtures/providers/` beside the repo: recorded real responses, read-only, never copied in. */
export const sharedFixturesDirectory = fileURLToPath(
  new URL('../../../shared/fixtures/providers/', import.meta.url),
);
export const sharedFixturesPresent = existsSync(sharedFixturesDirectory);
export const SHARED_ABSENT_MESSAGE = `(skipped: ${sharedFixturesDirectory} is absent; these tests need the shared provider samples)`;

export function readSharedFixture(name: string): unknown {
  return JSON.parse(readFileSync(`${sharedFixturesDirectory}${name}`, 'utf8'));
}

/** Fixtures we wrote ourselves, in the providers' real formats. */
export function readOwnFixture(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8'));
}

/** A client that never really sleeps, recording the waits it was asked for. */
export function testClient(
  provider: string,
  apiKey?: string,
): { http: ProviderHttpClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const http = createProviderHttpClient({
    provider,
    apiKey,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    random: () => 0.5,
  });
  return { http, sleeps };
}

/** The ProviderError a request ends with; fails the test when it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the request to fail');
}
