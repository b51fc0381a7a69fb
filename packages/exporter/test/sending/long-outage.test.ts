/**
 * A 65-minute Loki outage at 1 000 records/s, time-compressed: the records' timestamps and the
 * exporter's clock span 65 minutes, the run takes seconds. The default run carries one record in
 * ten (360 000 records, 10 per simulated second); `OTEL_LOKI_LONG_TESTS=1` carries all 3.9 M.
 * Loki is a counting fake behind the real push client: it decodes every request, enforces Loki's
 * default tenant rate limit (4 MiB/s, 6 MiB burst, on lines plus metadata) with 429s and the
 * "entry too far behind" rule (an entry more than an hour behind its stream's newest is refused).
 *
 * Asserted: nothing lost or stored twice, the spool directory never above `maxBytes`, nothing held
 * in memory while the spool grows, the backlog drained oldest first while live records keep
 * coming (so none is "too far behind"), and no 429 storm.
 */
import { expect } from 'chai';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodePushRequest, LokiPushClient, snappyUncompress } from '@otel-loki/push';
import type { LokiClientOptions } from '@otel-loki/push';
import type { PushTransport, TransportRequest, TransportResponse } from '@otel-loki/push/internal';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { exportAndWait, logRecord } from '../helpers/records';
import { LokiLogRecordExporter } from '../../src/loki-log-record-exporter';
import { INTERNALS } from '../../src/test-seam';
import type { LokiExporterOptions } from '../../src/types';
import { TempDirs } from '../spool/helpers';

const LONG = process.env.OTEL_LOKI_LONG_TESTS === '1';
const OUTAGE_MILLIS = 65 * 60 * 1000;
const RECORDS = LONG ? 3_900_000 : 390_000;
const BATCH = 512;
const LIVE_BATCHES = 40;
const HOUR_NANOS = 3_600_000_000_000n;
const START_MILLIS = Date.UTC(2026, 10, 29, 8, 0, 0);

/** Loki's default limits, counted the way its distributor counts them. */
class CountingLoki implements PushTransport {
  up = false;
  readonly seen = new Uint8Array(RECORDS + LIVE_BATCHES * BATCH);
  requests = 0;
  throttled = 0;
  tooFarBehind = 0;
  private readonly _newest = new Map<string, bigint>();
  private _tokens: number;
  private _refilledAt = Date.now();

  constructor(
    private readonly _rate = 4 * 1024 * 1024,
    private readonly _burst = 6 * 1024 * 1024
  ) {
    this._tokens = _burst;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    this.requests++;
    if (!this.up) return { kind: 'network', error: new Error('connect ECONNREFUSED'), code: 'ECONNREFUSED' };
    const streams = decodePushRequest(snappyUncompress(request.body));
    let bytes = 0;
    for (const stream of streams)
      for (const entry of stream.entries) {
        bytes += Buffer.byteLength(entry.line);
        for (const pair of entry.metadata ?? []) bytes += pair.name.length + pair.value.length;
      }
    const now = Date.now();
    this._tokens = Math.min(this._burst, this._tokens + ((now - this._refilledAt) * this._rate) / 1000);
    this._refilledAt = now;
    if (bytes > this._tokens) {
      this.throttled++;
      const body = `Ingestion rate limit exceeded for user fake (limit: ${this._rate} bytes/sec) while attempting to ingest lines totaling ${bytes} bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`;
      return { kind: 'response', status: 429, body, headers: {} };
    }
    this._tokens -= bytes;
    for (const stream of streams) {
      let newest = this._newest.get(stream.labels) ?? 0n;
      for (const entry of stream.entries) {
        if (entry.timestampNanos < newest - HOUR_NANOS) {
          this.tooFarBehind++;
          continue;
        }
        if (entry.timestampNanos > newest) newest = entry.timestampNanos;
        this.seen[Number(entry.line.slice(4))]++;
      }
      this._newest.set(stream.labels, newest);
    }
    return { kind: 'response', status: 204, body: '', headers: {} };
  }

  close(): void {}

  /** Records stored, and records stored more than once. */
  counts(): { stored: number; twice: number } {
    let stored = 0;
    let twice = 0;
    for (const count of this.seen) {
      if (count > 0) stored++;
      if (count > 1) twice++;
    }
    return { stored, twice };
  }
}

/** The heap in use after a full garbage collection (what is live, not what waits for the GC). */
function liveHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

function directoryBytes(directory: string): number {
  let total = 0;
  for (const name of readdirSync(directory)) total += statSync(join(directory, name)).size;
  return total;
}

describe('a time-compressed 65-minute outage at 1 000 records/s with the disk spool', function () {
  this.timeout(LONG ? 1_800_000 : 120_000);
  const dirs = new TempDirs();
  afterEach(() => dirs.cleanup());

  it('loses nothing, stays within maxBytes and memory, and drains oldest first without a 429 storm', async () => {
    const loki = new CountingLoki();
    const directory = join(dirs.make(), 'spool');
    const maxBytes = LONG ? 1024 * 1024 * 1024 : 128 * 1024 * 1024;
    let now = START_MILLIS;
    const exporter = new LokiLogRecordExporter({
      url: 'http://loki.invalid:3100',
      spool: { directory, maxBytes },
      [INTERNALS]: {
        env: {},
        nowMillis: () => now,
        createClient: (options: LokiClientOptions) => new LokiPushClient(options, { transport: loki }),
      },
    } as LokiExporterOptions);

    const stepMillis = OUTAGE_MILLIS / RECORDS;
    const record = (id: number, atMillis: number): ReadableLogRecord =>
      logRecord({
        body: `rec-${id}`,
        hrTime: [Math.floor(atMillis / 1000), (atMillis % 1000) * 1_000_000],
        severityText: 'INFO',
      });

    const heapBefore = liveHeap();
    let peakDisk = 0;
    let heldInMemory = 0;
    for (let first = 0; first < RECORDS; first += BATCH) {
      const batch: ReadableLogRecord[] = [];
      for (let id = first; id < Math.min(RECORDS, first + BATCH); id++)
        batch.push(record(id, START_MILLIS + id * stepMillis));
      now = START_MILLIS + Math.min(RECORDS, first + BATCH) * stepMillis;
      expect((await exportAndWait(exporter, batch)).code).to.equal(0);
      heldInMemory = Math.max(heldInMemory, exporter.stats.retryBufferEntries);
      if ((first / BATCH) % 64 === 0) peakDisk = Math.max(peakDisk, directoryBytes(directory));
    }
    peakDisk = Math.max(peakDisk, directoryBytes(directory));
    const heapGrowth = liveHeap() - heapBefore;
    expect(exporter.stats.spoolEntries).to.equal(RECORDS);
    expect(loki.counts().stored).to.equal(0);
    expect(peakDisk).to.be.at.most(maxBytes);
    expect(heldInMemory).to.equal(0);
    // The spool holds every record on disk; the live heap holds none of them.
    expect(heapGrowth, `live heap grew by ${heapGrowth} bytes`).to.be.below(16 * 1024 * 1024);

    // Loki is back: the backlog drains while live records keep coming, an hour and more newer.
    loki.up = true;
    void exporter.forceFlush();
    for (let live = 0; live < LIVE_BATCHES; live++) {
      const batch: ReadableLogRecord[] = [];
      for (let i = 0; i < BATCH; i++) {
        const id = RECORDS + live * BATCH + i;
        batch.push(record(id, now + i));
      }
      now += BATCH;
      await exportAndWait(exporter, batch);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const total = RECORDS + LIVE_BATCHES * BATCH;
    const deadline = Date.now() + (LONG ? 1_500_000 : 90_000);
    // Bounded by the deadline.
    while (loki.counts().stored < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await exporter.shutdown();

    const { stored, twice } = loki.counts();
    expect(loki.tooFarBehind, 'entries refused as too far behind').to.equal(0);
    expect(stored).to.equal(total);
    expect(twice).to.equal(0);
    expect(exporter.stats.spoolEntries).to.equal(0);
    // Paced: 429s are a small share of the pushes, not one per attempt.
    const successful = loki.requests - loki.throttled;
    expect(loki.throttled, `${loki.throttled} 429s for ${successful} accepted pushes`).to.be.below(
      Math.max(10, successful * 0.1)
    );
  });
});
