/**
 * The exporter writes entries into 256 KiB buffers and, once Loki has accepted every entry in a
 * buffer, writes new entries over it (`LokiEntry.release`, `EntryEncoder.hold`). Reusing a
 * buffer too early would send someone else's bytes; never reusing it costs an allocation per
 * 256 KiB of logs that waits for a garbage collection. Through the SDK, the real client and
 * a Loki that fails one push in five (503, or an answer slower than the request timeout, so
 * that the push is stored and then sent again): every record arrives once, its line,
 * attributes and trace context its own, and the encoder allocated a handful of buffers where
 * the run wrote dozens of buffers' worth.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { AnyValueMap } from '@opentelemetry/api-logs';
import type { RequestInfo } from '@otel-loki/testing';
import { pipeline, report } from './helpers/pipeline';

const RECORDS = 20_000;
const CHUNK_BYTES = 256 * 1024;
const REQUEST_TIMEOUT_MILLIS = 300;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** What record `i` carries; the body's length varies so that entries straddle buffer ends. */
function record(i: number): { body: string; attributes: AnyValueMap } {
  const attributes: AnyValueMap = { id: `r${i}`, 'http.method': METHODS[i % 4], n: i };
  // Every tenth record takes the general path (a map attribute is flattened).
  if (i % 10 === 0) attributes.user = { id: `u${i}`, tier: i % 3 };
  return { body: `${i} ${'x'.repeat(40 + ((i * 37) % 400))}`, attributes };
}

/** Waits until the exporter holds nothing (bounded: 30 s). */
async function delivered(provider: LoggerProvider, exporter: LokiLogRecordExporter): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    await provider.forceFlush();
    if (exporter.stats.retryBufferEntries === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the exporter still holds entries after 30 s');
}

describe('encoder buffer reuse, end to end', function () {
  this.timeout(120_000);
  let server: LokiTestServer;
  let spy: sinon.SinonSpy | undefined;
  afterEach(async () => {
    spy?.restore();
    await server?.close();
  });

  it(`${RECORDS} records through failing pushes: each arrives once and intact, and few buffers are allocated`, async () => {
    server = await LokiTestServer.start({ port: 0 });
    let pushes = 0;
    const nth = new WeakMap<RequestInfo, number>();
    const index = (request: RequestInfo): number => {
      let n = nth.get(request);
      if (n === undefined) nth.set(request, (n = pushes++));
      return n;
    };
    server.failWhen((r) => r.kind === 'push' && index(r) % 10 === 3, { status: 503, body: 'overloaded' });
    server.failWhen((r) => r.kind === 'push' && index(r) % 10 === 7, { delayMillis: REQUEST_TIMEOUT_MILLIS * 2 });
    const exporter = new LokiLogRecordExporter({
      url: server.url,
      timeoutMillis: REQUEST_TIMEOUT_MILLIS,
      maxRequestBytes: 64 * 1024,
      shutdownTimeoutMillis: 60_000,
    });
    const { provider, logger } = pipeline(exporter, 'reuse', { maxQueueSize: RECORDS });
    spy = sinon.spy(Buffer, 'allocUnsafe');

    let encodedBytes = 0;
    for (let i = 0; i < RECORDS; i++) {
      const { body, attributes } = record(i);
      encodedBytes += body.length + 80;
      logger.emit({ body, severityNumber: 9, severityText: 'INFO', attributes });
      // Rounds of 1 000 records, each delivered before the next (a service logging steadily
      // rather than all at once): buffers can only come back once their entries are delivered.
      if (i % 1000 === 999) await delivered(provider, exporter);
    }
    await provider.shutdown();
    const chunks = spy.getCalls().filter((call) => call.args[0] === CHUNK_BYTES).length;
    spy.restore();

    const stored = server.entries({ selector: '{service_name="reuse"}' });
    const seen = new Set<string>();
    for (const entry of stored) {
      const id = entry.metadata.id;
      const i = Number(id.slice(1));
      const expected = record(i);
      expect(entry.line, id).to.equal(expected.body);
      expect(entry.metadata.http_method, id).to.equal(METHODS[i % 4]);
      expect(entry.metadata.n, id).to.equal(String(i));
      if (i % 10 === 0)
        expect([entry.metadata.user_id, entry.metadata.user_tier], id).to.deep.equal([`u${i}`, `${i % 3}`]);
      else expect(entry.metadata.user_id, id).to.equal(undefined);
      expect(seen.has(id), `${id} stored twice`).to.equal(false);
      seen.add(id);
    }
    const wouldNeed = Math.ceil(encodedBytes / CHUNK_BYTES);
    report(
      `${stored.length} entries stored from ${pushes} pushes (${exporter.stats.pushRetries} retried); 256 KiB buffers allocated: ${chunks}, for ~${wouldNeed} buffers' worth of entries`
    );
    expect(seen.size).to.equal(RECORDS);
    expect(exporter.stats.pushRetries).to.be.greaterThan(0);
    expect(wouldNeed).to.be.greaterThan(20);
    expect(chunks).to.be.at.most(8);
  });
});
