import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/embedded-server.js';

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  url: string;
  /** An instant query, now or at a unix time; NaN values are kept as NaN. */
  query(expr: string, time?: number): Promise<Sample[]>;
  /** GET an API path (`/api/v1/rules`), returning `data`. */
  api<T>(path: string): Promise<T>;
  /** Polls a query until `accept` holds, or throws after `timeoutMs` with what it last saw. */
  waitFor(expr: string, accept: (samples: Sample[]) => boolean, timeoutMs?: number): Promise<Sample[]>;
  close(): Promise<void>;
}

/** Hard stop for the server, whatever happens to this process: it stops by itself. */
const MAX_LIFETIME_SECONDS = 600;

/**
 * A real Prometheus on 127.0.0.1 (free port, temp config and storage) scraping one target's
 * /metrics every second with a bearer token, evaluating the given rule files every second.
 */
export async function startPrometheus(options: {
  target: string;
  bearerToken: string;
  ruleFiles: string[];
}): Promise<PrometheusServer> {
  const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-prometheus-'));
  const port = await freePort();
  const target = new URL(options.target);
  await writeFile(join(directory, 'token'), options.bearerToken, { mode: 0o600 });
  await writeFile(
    join(directory, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      ...options.ruleFiles.map((file) => `  - ${JSON.stringify(resolve(file))}`),
      'scrape_configs:',
      '  - job_name: pricing-sync',
      `    scheme: ${target.protocol.replace(':', '')}`,
      '    metrics_path: /metrics',
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${JSON.stringify(join(directory, 'token'))}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(target.host)}]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'timeout',
    [
      '--signal=KILL',
      String(MAX_LIFETIME_SECONDS),
      'prometheus',
      `--config.file=${join(directory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    // Its own process group, so that `timeout` and prometheus are stopped together by group id.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) signalGroup('SIGKILL');
  };
  process.once('exit', killOnExit);

  const url = `http://127.0.0.1:${port}`;
  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }
  async function query(expr: string, time?: number): Promise<Sample[]> {
    const parameters = new URLSearchParams({ query: expr });
    if (time !== undefined) parameters.set('time', String(time));
    const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?${parameters}`,
    );
    return data.result.map((item) => ({ metric: item.metric, value: Number(item.value[1]) }));
  }
  async function waitFor(expr: string, accept: (samples: Sample[]) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    let last: Sample[] | string = 'nothing yet';
    while (Date.now() < deadline) {
      try {
        last = await query(expr);
        if (accept(last)) return last;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`waited ${timeoutMs} ms for ${expr}; last saw ${JSON.stringify(last)}\n${log}`);
  }

  const server: PrometheusServer = {
    url,
    query,
    api,
    waitFor,
    async close() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        signalGroup('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) signalGroup('SIGKILL');
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('up', (samples) => samples.length > 0, 30_000);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
