/**
 * Example 4: a starter-kit `telemetry.ts`. A service imports it before anything else
 * (`import './telemetry';` on its first line), and its logs reach Loki: Loki settings come from
 * the environment (`OTEL_EXPORTER_LOKI_ENDPOINT`, `OTEL_EXPORTER_LOKI_TENANT_ID`, ...), the
 * resource from `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`.
 *
 * With nothing to customise, `node --import @otel-loki/exporter/register` does the same with no
 * file at all; a file like this one is for kits that add their own defaults (here: a service
 * name fallback, high-cardinality labels kept out of the index, a health-check filter).
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HIGH_CARDINALITY_LABEL_ATTRIBUTES, LokiLogRecordExporter } from '@otel-loki/exporter';

const exporter = new LokiLogRecordExporter({
  // k8s.pod.name and service.instance.id as structured metadata, not stream labels.
  demoteToMetadata: HIGH_CARDINALITY_LABEL_ATTRIBUTES,
});

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'starter-kit-service',
  logRecordProcessors: [new BatchLogRecordProcessor({ exporter })],
  spanProcessors: [new NoopSpanProcessor()],
  metricReaders: [],
  instrumentations: [
    getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-http': { ignoreIncomingRequestHook: (req) => req.url === '/healthz' },
    }),
  ],
});
sdk.start();

let stopping: Promise<void> | undefined;
/** Flushes the last logs and stops the SDK; call it before the service exits. Idempotent. */
export function shutdownTelemetry(): Promise<void> {
  stopping ??= sdk.shutdown().catch((error: unknown) => console.error('telemetry shutdown failed', error));
  return stopping;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void shutdownTelemetry().finally(() => process.kill(process.pid, signal));
  });
}
