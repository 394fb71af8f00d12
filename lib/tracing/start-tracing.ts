let started = false;

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `..._TRACES_ENDPOINT`, with `TEMPO_ENABLED` not false). The SDK is imported only then, so
 * without it tracing costs nothing, not even the import.
 */
export async function startTracing(env: Record<string, string | undefined>): Promise<boolean> {
  if (started) return true;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tempo = env.TEMPO_ENABLED?.trim().toLowerCase();
  if (!endpoint || tempo === 'false' || tempo === '0' || tempo === 'no') return false;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'pricing-sync' }),
    // The exporter reads the standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers).
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  started = true;
  // Spans are batched: send what is left before a one-shot process exits.
  process.once('beforeExit', () => void provider.forceFlush());
  return true;
}
