import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../support/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let server: EmbeddedServer | undefined;

/** One embedded Postgres for the whole test run; each test file makes its own database in it. */
export async function setup(project: TestProject): Promise<void> {
  server = await startEmbeddedPostgres();
  project.provide('postgresUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.dispose();
}
