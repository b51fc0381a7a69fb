/**
 * Flaky Loki: about 30% of pushes answered 429 (with and without Retry-After), 500, 502, 503,
 * a reset connection, or too slowly for a 200 ms request timeout (the push is then stored
 * anyway, after the client gave up). 20 000 records with unique ids go through
 * LoggerProvider + BatchLogRecordProcessor + LokiLogRecordExporter; after shutdown every id is
 * stored exactly once: the re-sends that follow a lost answer are skipped by Loki's duplicate
 * check, since they carry the same timestamp, line and metadata.
 */
import { expect } from 'chai';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';
import type { FailureSpec, RequestInfo } from '@otel-loki/testing';
import { emitRecord, lostAndDuplicated, LONG_TESTS, pipeline, report, storedIds } from './helpers/pipeline';

const RECORDS = LONG_TESTS ? 200_000 : 20_000;
const REQUEST_TIMEOUT_MILLIS = 200;
/** Small requests, so that a push is well within the timeout and the faults hit many of them. */
const MAX_REQUEST_BYTES = 128 * 1024;
/** The fault mix: share of push requests, and the failure. The rest (70%) is handled normally. */
const FAULTS: ReadonlyArray<[number, FailureSpec]> = [
  [0.05, { status: 429, body: 'Ingestion rate limit exceeded' }],
  [0.03, { status: 429, retryAfterSeconds: 1, body: 'slow down' }],
  [0.05, { status: 500, body: 'internal error' }],
  [0.05, { status: 502, body: 'bad gateway' }],
  [0.05, { status: 503, body: 'overloaded' }],
  [0.04, { reset: true }],
  [0.03, { delayMillis: REQUEST_TIMEOUT_MILLIS * 2 }],
];

/** Deterministic PRNG (mulberry32), so that a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fault: flaky Loki', function () {
  this.timeout(LONG_TESTS ? 600_000 : 60_000);
  let server: LokiTestServer;
  afterEach(async () => server?.close());

  it(`${RECORDS} records through ~30% failed pushes (429 ± Retry-After, 5xx, resets, slow past the timeout): every id stored once`, async () => {
    server = await LokiTestServer.start({ port: 0 });
    const random = seeded(Number(process.env.FLAKY_SEED ?? 20_260_101));
    // One draw per push request, shared by the rules (the first rule's predicate draws).
    const draws = new WeakMap<RequestInfo, number>();
    const draw = (request: RequestInfo): number => {
      let value = draws.get(request);
      if (value === undefined) draws.set(request, (value = random()));
      return value;
    };
    let from = 0;
    for (const [share, spec] of FAULTS) {
      const [low, high] = [from, (from += share)];
      server.failWhen((request) => request.kind === 'push' && draw(request) >= low && draw(request) < high, spec);
    }
    const service = 'flaky';
    const exporter = new LokiLogRecordExporter({
      url: server.url,
      timeoutMillis: REQUEST_TIMEOUT_MILLIS,
      shutdownTimeoutMillis: 50_000,
      maxRequestBytes: MAX_REQUEST_BYTES,
    });
    // A queue as large as the run, so that the processor itself drops nothing.
    const { provider, logger } = pipeline(exporter, service, { maxQueueSize: RECORDS });

    for (let i = 0; i < RECORDS; i++) {
      emitRecord(logger, i);
      if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }
    await provider.shutdown();

    const counts = storedIds(server, service);
    const { lost, duplicated } = lostAndDuplicated(counts, RECORDS);
    const pushes = server.requests.filter((r) => r.kind === 'push');
    const injected = server.counters.injected;
    const failed = injected.status + injected.reset + injected.delay;
    report(
      `${RECORDS} records, ${pushes.length} push requests, ${failed} failed (${((failed / pushes.length) * 100).toFixed(0)}%: ${injected.status} status, ${injected.reset} resets, ${injected.delay} slow); lost ${lost.length}, stored twice ${duplicated.length}, duplicates skipped by Loki ${server.counters.entriesDeduplicated}; exporter retries ${exporter.stats.pushRetries}`
    );
    expect(lost, 'lost ids').to.have.length(0);
    expect(duplicated, 'ids stored twice').to.have.length(0);
    expect(counts.size).to.equal(RECORDS);
    expect(failed / pushes.length).to.be.within(0.15, 0.45);
    expect(exporter.stats).to.include({
      entries: RECORDS,
      droppedBufferFull: 0,
      droppedAtShutdown: 0,
      entriesRefused: 0,
      exportsFailed: 0,
    });
  });
});
