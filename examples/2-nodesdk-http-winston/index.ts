/**
 * Example 2: NodeSDK + auto-instrumentations + node:http + winston. The winston logs written
 * while handling a request carry the request span's trace_id / span_id into Loki's structured
 * metadata, with no logging code changed.
 *
 * Run: `LOKI_URL=http://localhost:3100 npx tsx examples/2-nodesdk-http-winston/index.ts`
 * (needs @opentelemetry/auto-instrumentations-node, @opentelemetry/winston-transport, winston).
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LokiLogRecordExporter } from '@otel-loki/exporter';

const sdk = new NodeSDK({
  serviceName: 'example-http-winston',
  logRecordProcessors: [
    new BatchLogRecordProcessor({
      exporter: new LokiLogRecordExporter({ url: process.env.LOKI_URL ?? 'http://localhost:3100' }),
    }),
  ],
  // Spans are recorded (so logs get trace context) but not exported anywhere in this example.
  spanProcessors: [new NoopSpanProcessor()],
  metricReaders: [],
  instrumentations: [getNodeAutoInstrumentations()],
});

async function main(): Promise<void> {
  sdk.start();
  // Loaded after start(): instrumentation patches modules as they are loaded (winston, http).
  const { startServer } = await import('./server');
  const server = await startServer();
  for (const path of ['/orders/1', '/orders/2', '/missing']) {
    const response = await fetch(`${server.url}${path}`);
    console.log(`GET ${path} → ${response.status}`);
  }
  await server.close();
  await sdk.shutdown();
  console.log('In Grafana: {service_name="example-http-winston"} | trace_id != ""');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
