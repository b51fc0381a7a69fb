/** The exporter contract: callback once, never throws, flush, shutdown, concurrency, suppressed tracing. */
import { expect } from 'chai';
import * as sinon from 'sinon';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { PushResult } from '@otel-loki/push';
import { LokiPushError } from '@otel-loki/push';
import { captureDiag, restoreDiag } from './helpers/diag';
import { exporterWithFake, successResult } from './helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS } from './helpers/records';
import { LokiLogRecordExporter } from '../src/loki-log-record-exporter';
import type { ExportResult } from '../src/loki-log-record-exporter';
import { INTERNALS } from '../src/test-seam';
import type { LokiExporterOptions } from '../src/types';

const SUCCESS = 0;
const FAILED = 1;
const NOW = { nowMillis: () => NOW_MILLIS };
/** The declarations users get (`npm run build` writes them; the root `npm test` builds first). */
const BUILT_DECLARATIONS = path.join(__dirname, '..', 'build', 'src', 'loki-log-record-exporter.d.ts');

/** What Loki answers to a push of one entry it took. */
const ONE_ENTRY_DELIVERED: PushResult = successResult([
  { labels: '{a="b"}', entries: [{ timestampNanos: 0n, line: 'x' }] },
]);

/** A push answer the test resolves when it wants. */
function deferredAnswer(): { answer: () => Promise<PushResult>; resolve: () => void } {
  let resolve!: () => void;
  const gate = new Promise<void>((r) => (resolve = r));
  const answer = async (): Promise<PushResult> => {
    await gate;
    return ONE_ENTRY_DELIVERED;
  };
  return { answer, resolve };
}

describe('LokiLogRecordExporter', () => {
  afterEach(() => {
    sinon.restore();
    restoreDiag();
  });

  it('calls back SUCCESS once after the push', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    const callback = sinon.spy();

    exporter.export([logRecord({ body: 'a' })], callback);
    await exporter.forceFlush();

    expect(callback.callCount).to.equal(1);
    expect(callback.firstCall.args[0]).to.deep.equal({ code: SUCCESS });
    expect(client.pushes).to.have.length(1);
    expect(exporter.stats).to.include({ records: 1, entries: 1, exportsSucceeded: 1 });
  });

  it('calls back FAILED with the LokiPushError when the push fails after retries', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    const error = new LokiPushError('Loki rejected the push (400): bad', {
      reason: 'http',
      status: 400,
      retryable: false,
      attempts: 1,
    });
    client.answers.push(error);

    const result = await exportAndWait(exporter, [logRecord()]);

    expect(result.code).to.equal(FAILED);
    expect(result.error).to.equal(error);
    expect(exporter.stats.exportsFailed).to.equal(1);
  });

  it('never throws: a record whose fields throw fails the export through the callback', async () => {
    const { exporter } = exporterWithFake({}, NOW);
    const broken = logRecord();
    Object.defineProperty(broken, 'attributes', {
      get: () => {
        throw new Error('boom');
      },
    });
    captureDiag();
    const callback = sinon.spy();

    expect(() => exporter.export([broken], callback)).not.to.throw();

    expect(callback.callCount).to.equal(1);
    expect(callback.firstCall.args[0].code).to.equal(FAILED);
  });

  it('answers SUCCESS at once for an empty batch without pushing', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);

    const result = await exportAndWait(exporter, []);

    expect(result.code).to.equal(SUCCESS);
    expect(client.pushes).to.have.length(0);
  });

  it('a throwing callback is reported, not thrown, and not called twice', async () => {
    const { exporter } = exporterWithFake({}, NOW);
    const errorLog = captureDiag().error;
    const callback = sinon.stub().throws(new Error('callback bug'));

    exporter.export([logRecord()], callback);
    await exporter.forceFlush();

    expect(callback.callCount).to.equal(1);
    expect(errorLog.called).to.equal(true);
  });

  it('forceFlush waits for exports in flight', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    const pending = deferredAnswer();
    client.answers.push(pending.answer);
    const callback = sinon.spy();
    exporter.export([logRecord()], callback);

    let flushed = false;
    const flush = exporter.forceFlush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).to.equal(false);
    pending.resolve();
    await flush;

    expect(callback.calledOnceWith({ code: SUCCESS })).to.equal(true);
  });

  it('without a retry buffer, bounds exports in flight: beyond running + queued, export answers FAILED at once', async () => {
    const { exporter, client } = exporterWithFake(
      { maxConcurrentExports: 1, maxQueuedExports: 1, retryBufferBytes: 0 },
      NOW
    );
    const first = deferredAnswer();
    client.answers.push(first.answer);
    const results: ExportResult[] = [];

    exporter.export([logRecord({ body: '1' })], (r) => results.push(r));
    exporter.export([logRecord({ body: '2' })], (r) => results.push(r));
    exporter.export([logRecord({ body: '3' })], (r) => results.push(r));

    expect(results).to.have.length(1);
    expect(results[0].code).to.equal(FAILED);
    expect(client.pushes).to.have.length(1); // the second waits for the first
    first.resolve();
    await exporter.forceFlush();
    expect(results.map((r) => r.code)).to.deep.equal([FAILED, SUCCESS, SUCCESS]);
    expect(client.pushes.map((p) => p.streams[0].entries[0].line)).to.deep.equal(['1', '2']);
  });

  it('shutdown waits for exports in flight, closes the client, and later exports answer FAILED', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    const pending = deferredAnswer();
    client.answers.push(pending.answer);
    const callback = sinon.spy();
    exporter.export([logRecord()], callback);

    const shutdown = exporter.shutdown();
    const late = await exportAndWait(exporter, [logRecord()]);
    expect(late.code).to.equal(FAILED);
    expect(client.closed).to.equal(false);
    pending.resolve();
    await shutdown;

    expect(callback.calledOnceWith({ code: SUCCESS })).to.equal(true);
    expect(client.closed).to.equal(true);
    expect(exporter.shutdown()).to.equal(shutdown);
  });

  it('shutdown is bounded: after shutdownTimeoutMillis it aborts the pushes in flight', async () => {
    const clock = sinon.useFakeTimers({ now: NOW_MILLIS, toFake: ['setTimeout', 'clearTimeout'] });
    captureDiag();
    const { exporter, client } = exporterWithFake({ shutdownTimeoutMillis: 5_000 }, NOW);
    const never = deferredAnswer();
    client.answers.push(never.answer);
    exporter.export([logRecord()], () => undefined);

    const shutdown = exporter.shutdown();
    await clock.tickAsync(5_000);
    await shutdown;

    const signal = client.pushes[0].options?.signal;
    expect(signal?.aborted).to.equal(true);
    expect(client.closed).to.equal(true);
  });

  it('the shutdown timer does not keep the process alive', async () => {
    const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
    const { exporter } = exporterWithFake({}, NOW);

    await exporter.shutdown();

    const timer = setTimeoutSpy.returnValues[0] as unknown as NodeJS.Timeout;
    expect(timer.hasRef()).to.equal(false);
  });

  describe('suppressed tracing', () => {
    const manager = new AsyncLocalStorageContextManager();
    before(() => context.setGlobalContextManager(manager.enable()));
    after(() => {
      manager.disable();
      context.disable();
    });

    it('pushes run with tracing suppressed as @opentelemetry/core reads it', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);
      let suppressed: boolean | undefined;
      client.answers.push(async () => {
        suppressed = isTracingSuppressed(context.active());
        return ONE_ENTRY_DELIVERED;
      });

      await exportAndWait(exporter, [logRecord()]);

      expect(suppressed).to.equal(true);
      expect(isTracingSuppressed(context.active())).to.equal(false);
    });
  });

  it('passes the retry deadline and an abort signal to every push', async () => {
    const { exporter, client } = exporterWithFake({ retryDeadlineMillis: 12_000 }, NOW);

    await exportAndWait(exporter, [logRecord()]);

    expect(client.pushes[0].options?.retryDeadlineMillis).to.equal(12_000);
    expect(client.pushes[0].options?.signal).to.be.instanceOf(AbortSignal);
  });

  it('util.inspect shows the push URL without credentials, the tenant and the counters', async () => {
    const exporter = new LokiLogRecordExporter({
      url: 'http://user:s3cret@127.0.0.1:1',
      tenantId: 'team-a',
      [INTERNALS]: { env: {} },
    } as LokiExporterOptions);

    const shown = inspect(exporter);

    expect(shown).to.include("url: 'http://127.0.0.1:1/loki/api/v1/push'");
    expect(shown).to.include("tenantId: 'team-a'");
    expect(shown).to.include('records: 0');
    expect(shown).to.not.include('s3cret');
    await exporter.shutdown();
  });

  it('says through diag.debug which proxy it pushes through, without its credentials', async () => {
    const debug = captureDiag().debug;
    const exporter = new LokiLogRecordExporter({
      url: 'http://127.0.0.1:1',
      proxy: 'http://user:pr0xy-s3cret@127.0.0.1:2',
      [INTERNALS]: { env: {} },
    } as LokiExporterOptions);

    const said = debug.getCalls().map((call) => call.args.map(String).join(' '));

    expect(said.join('\n')).to.match(/through the proxy http:\/\/127\.0\.0\.1:2 \(from proxy\)/);
    expect(said.join('\n') + inspect(exporter, { depth: 5 })).to.not.include('pr0xy-s3cret');
    await exporter.shutdown();
  });

  it('the built declarations document the stats getter', () => {
    const declarations = readFileSync(BUILT_DECLARATIONS, 'utf8');

    expect(declarations).to.match(/\/\*\*[^/]*Counters of records[^/]*\*\/\s*get stats\(\)/);
  });

  it('creates the real LokiPushClient when no client is injected', () => {
    const exporter = new LokiLogRecordExporter({ url: 'http://127.0.0.1:1' });
    expect(exporter).to.be.instanceOf(LokiLogRecordExporter);
    return exporter.shutdown();
  });
});
