/**
 * Memory: during an outage of 10 000 records, heap growth stays bounded by what the retry
 * buffer holds (asserted generously: under 64 MiB), and returns once Loki is back and the
 * buffer has drained.
 */
import { expect } from 'chai';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';
import { TcpProxy } from './helpers/tcp-proxy';
import { emitPaced, heapAfterGc, lostAndDuplicated, pipeline, report, storedIds } from './helpers/pipeline';

const MIB = 1024 * 1024;
const RECORDS = 10_000;
const RATE = 10_000;

describe('fault: memory during an outage', function () {
  this.timeout(60_000);
  let server: LokiTestServer;
  let proxy: TcpProxy;
  afterEach(async () => {
    await proxy?.down();
    await server?.close();
  });

  it(`heap growth while ${RECORDS} records wait is bounded, and returns after recovery`, async () => {
    server = await LokiTestServer.start({ port: 0 });
    proxy = await TcpProxy.start(Number(new URL(server.url).port));
    const exporter = new LokiLogRecordExporter({ url: proxy.url });
    const { provider, logger } = pipeline(exporter, 'memory', { maxQueueSize: RECORDS });
    await emitPaced(logger, 0, 1, RATE);
    await provider.forceFlush();
    const baseline = heapAfterGc();

    await proxy.down();
    await emitPaced(logger, 1, RECORDS, RATE);
    await provider.forceFlush();
    const during = heapAfterGc();
    const held = exporter.stats.retryBufferEntries;
    await proxy.up();
    // Bounded: the buffer drains within a few backoff periods once Loki is back.
    for (let i = 0; i < 200 && (exporter.stats.retryBufferEntries > 0 || exporter.stats.entries < RECORDS); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { lost } = lostAndDuplicated(storedIds(server, 'memory'), RECORDS);
    // The test server shares this heap: forget what it stored before measuring the exporter's share.
    server.reset();
    const after = heapAfterGc();
    await provider.shutdown();

    report(
      `${held} records held during the outage: heap +${((during - baseline) / MIB).toFixed(1)} MiB; after recovery +${((after - baseline) / MIB).toFixed(1)} MiB; lost ${lost.length}`
    );
    expect(held).to.be.greaterThan(RECORDS * 0.9);
    expect(during - baseline).to.be.below(64 * MIB);
    // Returns: what the buffer held is released (within a quarter of the growth, or 4 MiB of noise).
    expect(after - baseline).to.be.below(Math.max(4 * MIB, (during - baseline) / 4));
    expect(lost).to.have.length(0);
  });
});
