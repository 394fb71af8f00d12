import { trace, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';

/** The tracer every span of a run comes from. Without a registered SDK it is a no-op. */
export function tracer(): Tracer {
  return trace.getTracer('pricing-sync');
}

/** Runs `work` inside a span, recording an exception and an error status if it throws. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
