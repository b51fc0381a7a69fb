/**
 * The exporter's `loki_write_*` metrics, read with an in-memory metric reader, while it sends
 * to LokiTestServer (including injected 429 and 400 answers).
 */
import { expect } from 'chai';
import { metrics } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import type { LokiExporterOptions } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';

/** Collects on demand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const POLL_MILLIS = 50;
const WAIT_LIMIT_MILLIS = 10_000;

/** Value of each data point of `name`, keyed by its attributes as JSON (`{}` without). */
function points(collected: MetricData[], name: string): Record<string, number> {
  const metric = collected.find((m) => m.descriptor.name === name);
  const out: Record<string, number> = {};
  for (const point of metric?.dataPoints ?? []) {
    const key = JSON.stringify(point.attributes);
    out[key] =
      metric!.dataPointType === DataPointType.HISTOGRAM
        ? (point.value as { count: number }).count
        : (point.value as number);
  }
  return out;
}

describe('self-observability metrics (in-memory reader)', () => {
  let loki: LokiTestServer;
  let reader: TestReader;
  let meterProvider: MeterProvider;

  before(async () => {
    loki = await LokiTestServer.start({ port: 0 });
  });
  after(async () => {
    await loki.close();
  });
  beforeEach(() => {
    loki.reset();
    reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterEach(async () => {
    metrics.disable();
    await meterProvider.shutdown();
  });

  async function collect(): Promise<MetricData[]> {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.filter((s) => s.scope.name === '@otel-loki/exporter').flatMap((s) => s.metrics);
  }

  function setUp(options: LokiExporterOptions = {}): { exporter: LokiLogRecordExporter; provider: LoggerProvider } {
    const exporter = new LokiLogRecordExporter({ url: loki.url, ...options });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'selfobs' }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    return { exporter, provider };
  }

  async function until(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_LIMIT_MILLIS;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, POLL_MILLIS));
    }
  }

  it('counts entries and bytes sent, drops by reason, rewritten timestamps, and times pushes by status', async () => {
    const { provider } = setUp({ oversizedLine: 'drop', limits: { maxLineSize: 100 } });
    const logger = provider.getLogger('app');
    const timestamp = Date.now();
    logger.emit({ body: 'first', timestamp });
    logger.emit({ body: 'x'.repeat(200), timestamp });
    // SimpleLogRecordProcessor exports one record at a time: same stream, same ms → nudged.
    logger.emit({ body: 'second', timestamp });
    await provider.forceFlush();
    await provider.shutdown();

    const collected = await collect();
    expect(points(collected, 'loki_write_sent_entries_total')).to.deep.equal({ '{}': 2 });
    expect(points(collected, 'loki_write_sent_bytes_total')['{}']).to.be.above(0);
    expect(points(collected, 'loki_write_dropped_entries_total')).to.include({
      '{"reason":"line_too_long"}': 1,
      '{"reason":"queue_full"}': 0,
    });
    expect(points(collected, 'loki_write_timestamps_rewritten_total')).to.include({ '{"reason":"nudged"}': 1 });
    expect(points(collected, 'loki_write_request_duration_seconds')).to.deep.equal({ '{"status_code":"204"}': 2 });
    expect(points(collected, 'loki_write_batch_retries_total')).to.deep.equal({ '{}': 0 });
    expect(loki.entries()).to.have.length(2);
  });

  it('a 429 is counted as a retry and timed under its status; a 400 drops the entries as rejected', async () => {
    const { provider, exporter } = setUp();
    const logger = provider.getLogger('app');
    loki.failNext([{ status: 429 }]);
    logger.emit({ body: 'kept through a 429' });
    await until(() => loki.entries().length === 1);
    loki.failNext([{ status: 400, body: 'bad request' }]);
    logger.emit({ body: 'refused' });
    await until(() => exporter.stats.entriesRefused === 1);
    await provider.shutdown();

    const collected = await collect();
    expect(points(collected, 'loki_write_batch_retries_total')).to.deep.equal({ '{}': 1 });
    expect(points(collected, 'loki_write_request_duration_seconds')).to.deep.equal({
      '{"status_code":"429"}': 1,
      '{"status_code":"204"}': 1,
      '{"status_code":"400"}': 1,
    });
    expect(points(collected, 'loki_write_dropped_entries_total')).to.include({ '{"reason":"rejected"}': 1 });
    expect(points(collected, 'loki_write_sent_entries_total')).to.deep.equal({ '{}': 1 });
  });

  it('without a retry buffer, retries inside the push client are counted too', async () => {
    const { provider } = setUp({ retryBufferBytes: 0 });
    loki.failNext([{ status: 503 }]);
    provider.getLogger('app').emit({ body: 'after one retry' });
    await provider.shutdown();

    const collected = await collect();
    expect(points(collected, 'loki_write_batch_retries_total')).to.deep.equal({ '{}': 1 });
    expect(points(collected, 'loki_write_sent_entries_total')).to.deep.equal({ '{}': 1 });
  });

  it('is a no-op when no MeterProvider is registered', async () => {
    metrics.disable();
    const { provider, exporter } = setUp();
    provider.getLogger('app').emit({ body: 'no metrics' });
    await provider.shutdown();

    expect(exporter.stats.entries).to.equal(1);
    expect(await collect()).to.deep.equal([]);
  });
});
