/**
 * Example 1, minimal: a LoggerProvider whose batch processor sends to Loki, and one
 * `logger.emit`. Run: `LOKI_URL=http://localhost:3100 npx tsx examples/1-minimal/index.ts`.
 */
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';

async function main(): Promise<void> {
  const exporter = new LokiLogRecordExporter({ url: process.env.LOKI_URL ?? 'http://localhost:3100' });
  const provider = new LoggerProvider({
    // service.name becomes the stream label service_name, as with Loki's OTLP endpoint.
    resource: resourceFromAttributes({ 'service.name': 'example-minimal', 'deployment.environment.name': 'dev' }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });

  const logger = provider.getLogger('example');
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'Hello, Loki',
    attributes: { 'user.id': 'u-42' }, // structured metadata user_id
  });

  // Flushes the batch and closes the connection; without it the last batch may be lost.
  await provider.shutdown();
  console.log(
    `sent; exporter stats: ${JSON.stringify({ entries: exporter.stats.entries, records: exporter.stats.records })}`
  );
  console.log('In Grafana: {service_name="example-minimal"}');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
