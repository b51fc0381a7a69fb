/**
 * Outage: Loki refuses connections for 60 s under a steady 1 000 records/s, then comes back.
 * With the exporter's default settings nothing is lost, the app never waits for Loki, memory
 * stays within the retry buffer's bound, and what would exceed it is dropped and counted.
 *
 * The default run compresses time by 10: 10 000 records/s for 6 s (the same 60 000 records
 * and bytes), with the processor's queue scaled by 10 too so that it still holds 2 s of
 * records; the exporter keeps every default. `OTEL_LOKI_LONG_TESTS=1` runs it in real time,
 * with every default, the SDK's included.
 */
import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { TcpProxy } from './helpers/tcp-proxy';
import {
  emitPaced,
  emitRecord,
  heapAfterGc,
  lostAndDuplicated,
  LONG_TESTS,
  pipeline,
  report,
  storedIds,
} from './helpers/pipeline';

const MIB = 1024 * 1024;
/** The scenario: 60 s at 1 000 records/s. */
const SCENARIO_RATE = 1_000;
const SCENARIO_OUTAGE_MILLIS = 60_000;
/** Processor defaults (BatchLogRecordProcessor). */
const SDK_QUEUE = 2_048;
const SDK_BATCH = 512;

describe('fault: Loki down (connection refused), then back', function () {
  this.timeout(LONG_TESTS ? 300_000 : 60_000);

  let server: LokiTestServer;
  let proxy: TcpProxy;
  beforeEach(async () => {
    server = await LokiTestServer.start({ port: 0 });
    proxy = await TcpProxy.start(Number(new URL(server.url).port));
  });
  afterEach(async () => {
    await proxy.down();
    await server.close();
  });

  const scenarios = [
    { name: 'time compressed 10×', speedup: 10 },
    ...(LONG_TESTS ? [{ name: 'real time', speedup: 1 }] : []),
  ];
  for (const { name, speedup } of scenarios) {
    it(`60 s outage at 1 000 records/s (${name}): nothing lost, nothing blocked, memory bounded`, async () => {
      const rate = SCENARIO_RATE * speedup;
      const outageMillis = SCENARIO_OUTAGE_MILLIS / speedup;
      const edgeMillis = 1_000 / speedup;
      const service = `outage-${speedup}`;
      const exporter = new LokiLogRecordExporter({ url: proxy.url });
      const { provider, logger } = pipeline(exporter, service, {
        maxQueueSize: SDK_QUEUE * speedup,
        maxExportBatchSize: SDK_BATCH,
      });
      const before = heapAfterGc();
      const lag = monitorEventLoopDelay({ resolution: 10 });

      const healthy = Math.round((rate * edgeMillis) / 1000);
      const outage = healthy + Math.round((rate * outageMillis) / 1000);
      const total = outage + healthy;
      await emitPaced(logger, 0, healthy, rate);
      await proxy.down();
      lag.enable();
      const longestTick = await emitPaced(logger, healthy, outage, rate);
      lag.disable();
      const held = exporter.stats;
      const heapAtPeak = heapAfterGc();
      await proxy.up();
      await emitPaced(logger, outage, total, rate);
      await provider.shutdown();

      const { lost, duplicated } = lostAndDuplicated(storedIds(server, service), total);
      const stats = exporter.stats;
      report(
        `${total} records, ${outage - healthy} during a ${outageMillis / 1000} s outage: lost ${lost.length}, duplicated ${duplicated.length}, dropped ${stats.droppedBufferFull + stats.droppedAtShutdown}`
      );
      report(
        `held at the end of the outage: ${held.retryBufferEntries} entries, ${(held.retryBufferBytes / MIB).toFixed(1)} MiB (bound 32 MiB); heap +${((heapAtPeak - before) / MIB).toFixed(0)} MiB; push retries ${stats.pushRetries}`
      );
      report(
        `event loop delay during the outage: max ${(lag.max / 1e6).toFixed(0)} ms; longest emit tick ${longestTick.toFixed(0)} ms`
      );
      expect(lost, 'lost ids').to.have.length(0);
      expect(duplicated, 'ids stored twice').to.have.length(0);
      expect(stats).to.include({
        records: total,
        entries: total,
        droppedBufferFull: 0,
        droppedAtShutdown: 0,
        entriesRefused: 0,
        exportsFailed: 0,
      });
      expect(held.retryBufferBytes).to.be.below(32 * MIB);
      expect(stats.pushRetries).to.be.greaterThan(0);
      // The app never waits for Loki: no second-long stall of the event loop (a generous bound).
      expect(lag.max / 1e6).to.be.below(1_000);
    });
  }

  it('measures the longest outage the defaults survive at 1 000 records/s, then drops oldest first, counted', async () => {
    // Defaults, but for a short shutdown at the end (it cannot deliver: Loki stays down).
    const exporter = new LokiLogRecordExporter({ url: proxy.url, shutdownTimeoutMillis: 100 });
    await proxy.down();
    // The SDK builds the records; they are handed to export() directly, 512 at a time, as
    // fast as it takes them, so that filling 32 MiB takes seconds, not minutes.
    const records: ReadableLogRecord[] = [];
    const capture = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'capacity' }),
      processors: [
        {
          onEmit: (r) => records.push(r as unknown as ReadableLogRecord),
          forceFlush: async () => undefined,
          shutdown: async () => undefined,
        },
      ],
    });
    const captureLogger = capture.getLogger('fault-test', '1.0.0');
    const MAX_RECORDS = 400_000;
    let emitted = 0;
    let heldBeforeDrop = 0;
    // Bounded by MAX_RECORDS: batches of 512 as the processor would hand them over.
    while (emitted < MAX_RECORDS && exporter.stats.droppedBufferFull === 0) {
      records.length = 0;
      for (let i = 0; i < SDK_BATCH; i++) emitRecord(captureLogger, emitted++);
      heldBeforeDrop = exporter.stats.retryBufferEntries;
      exporter.export(records.slice(), () => undefined);
      if (emitted % (SDK_BATCH * 20) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = exporter.stats;
    const heapPerEntry = heapAfterGc() / Math.max(1, stats.retryBufferEntries);
    const survivedSeconds = heldBeforeDrop / SCENARIO_RATE;
    report(
      `default retry buffer (32 MiB) holds ${heldBeforeDrop} records of ${(stats.retryBufferBytes / stats.retryBufferEntries).toFixed(0)} bytes: an outage of ${survivedSeconds.toFixed(0)} s at 1 000 records/s; then oldest dropped (${stats.droppedBufferFull} counted); heap ≤ ${heapPerEntry.toFixed(0)} bytes per held entry`
    );
    expect(stats.droppedBufferFull).to.be.greaterThan(0);
    expect(survivedSeconds).to.be.greaterThan(SCENARIO_OUTAGE_MILLIS / 1000);
    // The bound, plus the one push in flight (at most maxRequestBytes, 1 MiB).
    expect(stats.retryBufferBytes).to.be.at.most(33 * MIB);
    await exporter.shutdown();
    await capture.shutdown();
  });
});
