import { trace } from '@opentelemetry/api';
import { booleanWord } from '../text/boolean-word.js';

let started = false;
let flushSpans: (() => void) | null = null;

/**
 * Starts OpenTelemetry's NodeSDK when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `..._TRACES_ENDPOINT`, with `TEMPO_ENABLED` not false). The SDK is imported only then, so
 * without it tracing costs nothing, not even the import. NodeSDK reads the standard variables
 * itself: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf,
 * http/json, grpc), OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER(_ARG), OTEL_TRACES_EXPORTER.
 */
export async function startTracing(env: Record<string, string | undefined>): Promise<boolean> {
  if (started) return true;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || booleanWord(env.TEMPO_ENABLED) === false) return false;
  const [{ NodeSDK }, { waitUntil }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@vercel/functions'),
  ]);
  const named =
    Boolean(env.OTEL_SERVICE_NAME?.trim()) ||
    /(^|,)\s*service\.name=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    ...(named ? {} : { serviceName: 'pricing-sync' }),
    // Traces only, unless the operator asks for more: NodeSDK would otherwise start an OTLP metrics
    // reader and logs exporter too (our metrics are Prometheus, built from stored state).
    ...(env.OTEL_METRICS_EXPORTER?.trim() ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER?.trim() ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  started = true;
  const provider = (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.() as
    { forceFlush?: () => Promise<void> } | undefined;
  const forceFlush = () =>
    (provider?.forceFlush?.() ?? Promise.resolve()).catch((error: unknown) => {
      console.error('tracing: spans could not be exported', error);
    });
  // On Vercel an instance may be frozen as soon as it has answered: waitUntil keeps it alive until
  // the request's spans are exported. Elsewhere (npm start, tests) it is a no-op and the flush runs on.
  flushSpans = () => waitUntil(forceFlush());
  // Spans are batched: send what is left before a one-shot process (the CLI) exits.
  process.once('beforeExit', () => void sdk.shutdown());
  return true;
}

/** Exports the spans ended so far, kept alive by the platform's waitUntil; a no-op with tracing off. */
export function flushTraces(): void {
  flushSpans?.();
}
