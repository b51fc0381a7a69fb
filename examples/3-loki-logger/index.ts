/**
 * Example 3: the LokiLogger client, no OpenTelemetry: one log, a batch, structured metadata,
 * a tenant, custom timestamps. Run: `LOKI_URL=http://localhost:3100 npx tsx examples/3-loki-logger/index.ts`.
 */
import { LokiLogger, LokiPushError } from '@otel-loki/push';

async function main(): Promise<void> {
  const logger = new LokiLogger({
    url: process.env.LOKI_URL ?? 'http://localhost:3100',
    tenantId: process.env.LOKI_TENANT ?? 'tenant1', // X-Scope-OrgID (ignored by a Loki without auth)
    timezone: 'Europe/Paris', // how ISO local date-times without an offset are read
  });
  try {
    // One log; the timestamp defaults to now, in nanoseconds, strictly increasing.
    await logger.sendLog({
      message: 'Application started',
      labels: { job: 'example_loki_logger', environment: 'development' },
      metadata: { version: '1.4.2' },
    });

    // A batch: equal label sets share a stream; timestamps in any accepted form.
    const result = await logger.sendBatch([
      {
        message: 'API request received',
        labels: { job: 'example_loki_logger', level: 'info' },
        metadata: { request_id: 'req123' },
      },
      { message: 'Cache miss', labels: { job: 'example_loki_logger', level: 'warn' }, timestamp: new Date() },
      {
        message: 'Nanosecond string',
        labels: { job: 'example_loki_logger', level: 'info' },
        timestamp: `${Date.now()}000001`,
      },
      {
        message: 'Local time in Paris',
        labels: { job: 'example_loki_logger', level: 'info' },
        timestamp: localNowInParis(),
      },
    ]);
    console.log(
      `batch: ${result.entries} entries in ${result.streams} streams, ${result.requests} request(s), status ${result.status}`
    );
  } catch (error) {
    // Bad input throws TypeError/RangeError before any I/O; Loki's refusals are LokiPushError.
    if (error instanceof LokiPushError) console.error(`Loki answered ${error.status}: ${error.body}`);
    throw error;
  } finally {
    await logger.close();
  }
  console.log('In Grafana: {job="example_loki_logger"}');
}

/** Now, as an ISO local date-time in Paris (no offset): read back in the logger's `timezone`. */
function localNowInParis(): string {
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(new Date());
  return parts.replace(' ', 'T');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
