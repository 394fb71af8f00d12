import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { HttpError } from '../edge/http-error.js';
import { VERSION } from '../version.js';
import { buildExposition, EXPOSITION_CONTENT_TYPE } from '../metrics/build-exposition.js';
import { webhookExposition } from '../metrics/webhook-metrics.js';
import { readOutbox } from '../webhooks/webhook-outbox.js';
import { readFreshnessState } from '../sync/provider-freshness.js';

/**
 * GET /metrics: the exposition built from stored totals. Open unless METRICS_TOKEN is set, as the
 * seed documents it; 404 with PROMETHEUS_ENABLED=false. The snapshot is read in one call before
 * anything is written, with the providers' freshness, so a database error (503, from the HTTP edge)
 * never yields half a scrape.
 */
export async function serveMetrics(request: Request, context: AppContext): Promise<Response> {
  const { config, store } = context;
  if (!config.prometheusEnabled) throw new HttpError(404, 'metrics are disabled (PROMETHEUS_ENABLED=false)');
  if (config.metricsToken || config.metricsTokenRejected) {
    requireKey(
      request,
      config.metricsToken ? [{ name: 'metrics', key: config.metricsToken }] : [],
      'metrics',
    );
  }
  const [snapshot, outbox, freshness] = await Promise.all([
    store.readMetrics(),
    readOutbox(store, 0),
    readFreshnessState(store, config),
  ]);
  const body =
    (await buildExposition(snapshot, config, VERSION, freshness.providers)) +
    '\n' +
    (await webhookExposition(outbox));
  return new Response(body, {
    status: 200,
    headers: { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store' },
  });
}
