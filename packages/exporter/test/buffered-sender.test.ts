/**
 * The exporter with its retry buffer (the default): what export() answers, what is re-sent,
 * in which order, what is dropped and counted, and how flush and shutdown are bounded.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import { LokiPushError } from '@otel-loki/push';
import type { LokiClientOptions, PushResult, PushStream } from '@otel-loki/push';
import { HAND_OFF_MILLIS, LokiLogRecordExporter } from '../src/loki-log-record-exporter';
import type { ExportResult } from '../src/loki-log-record-exporter';
import { INITIAL_RETRY_DELAY_MILLIS, MAX_RETRY_DELAY_MILLIS } from '../src/buffered-sender';
import type { PushClient, PushOptions } from '../src/internal-types';
import { INTERNALS } from '../src/test-seam';
import type { LokiExporterOptions } from '../src/types';
import { captureDiag, restoreDiag } from './helpers/diag';
import { logRecord, NOW_MILLIS } from './helpers/records';
import { successResult } from './helpers/fake-client';

const SUCCESS = 0;
const FAILED = 1;

type Handler = (streams: readonly PushStream[], options: PushOptions & { maxRetries?: number }) => Promise<PushResult>;

/** A client whose answers the test scripts, seeing what is pushed. */
class ScriptedClient implements PushClient {
  readonly pushes: Array<{ lines: string[]; options: PushOptions & { maxRetries?: number } }> = [];
  /** Answers in order; after them, success. */
  readonly script: Handler[] = [];
  closed = false;

  async push(streams: readonly PushStream[], options: PushOptions = {}): Promise<PushResult> {
    this.pushes.push({ lines: streams.flatMap((s) => s.entries.map((e) => e.line)), options });
    const handler = this.script.shift();
    if (handler !== undefined) return handler(streams, options);
    return ok(streams);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every line delivered or attempted, in push order. */
  get lines(): string[] {
    return this.pushes.flatMap((p) => p.lines);
  }
}

const ok = successResult;

/** Fails a push as the real client does with maxRetries: 0 (everything undelivered). */
const fail =
  (status: number, retryable: boolean, extra: { retryAfterMillis?: number; body?: string } = {}): Handler =>
  async (streams) => {
    throw new LokiPushError(`Loki rejected the push (${status})${extra.body ? `: ${extra.body}` : ''}`, {
      reason: 'http',
      status,
      retryable,
      attempts: 1,
      failedStreams: streams,
      ...extra,
    });
  };

const refused: Handler = async (streams) => {
  throw new LokiPushError('Could not reach Loki at http://127.0.0.1:1/loki/api/v1/push: ECONNREFUSED', {
    reason: 'network',
    retryable: true,
    attempts: 1,
    failedStreams: streams,
  });
};

const hang: Handler = () => new Promise<PushResult>(() => undefined);

function exporterWith(
  options: LokiExporterOptions = {},
  nowMillis: () => number = () => NOW_MILLIS
): { exporter: LokiLogRecordExporter; client: ScriptedClient } {
  const client = new ScriptedClient();
  const exporter = new LokiLogRecordExporter({
    ...options,
    [INTERNALS]: { env: {}, nowMillis, createClient: (_: LokiClientOptions) => client },
  } as LokiExporterOptions);
  return { exporter, client };
}

/** Exports and returns the result once called back (pending until then). */
function exportOne(
  exporter: LokiLogRecordExporter,
  body: string
): { result: Promise<ExportResult>; called: () => boolean } {
  let called = false;
  const result = new Promise<ExportResult>((resolve) =>
    exporter.export([logRecord({ body })], (r) => {
      called = true;
      resolve(r);
    })
  );
  return { result, called: () => called };
}

describe('retry buffer (exporter)', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  const fakeTimers = (): sinon.SinonFakeTimers => {
    clock = sinon.useFakeTimers({ now: NOW_MILLIS, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    return clock;
  };

  afterEach(() => {
    clock?.restore();
    clock = undefined;
    sinon.restore();
    restoreDiag();
  });

  it('a healthy push: export answers SUCCESS once delivered, one attempt per push', async () => {
    const { exporter, client } = exporterWith();

    const result = await exportOne(exporter, 'a').result;

    expect(result).to.deep.equal({ code: SUCCESS });
    expect(client.pushes[0].options.maxRetries).to.equal(0);
    expect(exporter.stats).to.include({ entries: 1, exportsSucceeded: 1, retryBufferEntries: 0, retryBufferBytes: 0 });
  });

  it('a retryable failure keeps the data, answers SUCCESS, and re-sends it after the backoff', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith();
    client.script.push(fail(503, true));

    const result = await exportOne(exporter, 'kept').result;
    expect(result.code).to.equal(SUCCESS);
    expect(exporter.stats).to.include({ entries: 0, pushRetries: 1, retryBufferEntries: 1 });

    await time.tickAsync(MAX_RETRY_DELAY_MILLIS);

    expect(client.lines).to.deep.equal(['kept', 'kept']);
    expect(exporter.stats).to.include({ entries: 1, retryBufferEntries: 0, droppedBufferFull: 0 });
  });

  it('while Loki fails, exports answer SUCCESS at once and everything is re-sent in order', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith();
    client.script.push(refused, refused, refused);

    await exportOne(exporter, '1').result;
    const later = ['2', '3', '4'].map((body) => exportOne(exporter, body));
    expect(later.every((e) => e.called())).to.equal(true); // synchronously: nothing waits for Loki
    await time.tickAsync(MAX_RETRY_DELAY_MILLIS * 4);

    const delivered = client.pushes.slice(3).flatMap((p) => p.lines);
    expect(client.pushes.slice(0, 3).map((p) => p.lines[0])).to.deep.equal(['1', '1', '1']);
    expect(delivered).to.deep.equal(['1', '2', '3', '4']);
    expect(exporter.stats).to.include({ entries: 4, pushRetries: 3, exportsSucceeded: 4, exportsFailed: 0 });
  });

  it('backs off exponentially with jitter, and honours a Retry-After from a proxy', async () => {
    const time = fakeTimers();
    sinon.stub(Math, 'random').returns(1);
    const { exporter, client } = exporterWith();
    client.script.push(refused, refused, fail(429, true, { retryAfterMillis: 7_000 }));
    const attemptsAt: number[] = [];
    const push = client.push.bind(client);
    client.push = (streams, options) => {
      attemptsAt.push(Date.now() - NOW_MILLIS);
      return push(streams, options);
    };

    await exportOne(exporter, 'x').result;
    await time.tickAsync(20_000);

    const first = INITIAL_RETRY_DELAY_MILLIS;
    expect(attemptsAt).to.deep.equal([0, first, first * 3, first * 3 + 7_000]);
  });

  it('re-sends only the streams a partly delivered push left undelivered', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith();
    client.script.push(async (streams) => {
      throw new LokiPushError('Loki rejected the push (500)', {
        reason: 'http',
        status: 500,
        retryable: true,
        attempts: 1,
        entriesSent: 1,
        failedStreams: [{ labels: streams[0].labels, entries: streams[0].entries.slice(1) }],
      });
    });

    exporter.export([logRecord({ body: 'sent' }), logRecord({ body: 'left' })], () => undefined);
    await time.tickAsync(MAX_RETRY_DELAY_MILLIS);

    expect(client.pushes.map((p) => p.lines)).to.deep.equal([['sent', 'left'], ['left']]);
    expect(exporter.stats.entries).to.equal(2);
  });

  it('when full, drops the oldest entries, counts them and warns once', async () => {
    const time = fakeTimers();
    const spies = captureDiag();
    const { exporter, client } = exporterWith({ retryBufferBytes: 1_000 });
    client.script.push(...Array.from({ length: 20 }, () => refused));

    for (let i = 0; i < 20; i++) exporter.export([logRecord({ body: `${i}:${'x'.repeat(190)}` })], () => undefined);
    await time.tickAsync(MAX_RETRY_DELAY_MILLIS * 30);

    const kept = client.pushes
      .filter((p) => p.lines.length > 0)
      .at(-1)
      ?.lines.map((l) => l.split(':')[0]);
    const stats = exporter.stats;
    expect(stats.droppedBufferFull).to.be.greaterThan(0);
    expect(stats.droppedBufferFull + stats.entries).to.equal(20);
    expect(kept?.at(-1)).to.equal('19'); // the newest survive
    expect(spies.warnings().filter((w) => /retry buffer/.test(w))).to.have.length(1);
  });

  it("a refusal (400) is not retried: FAILED with Loki's reason when the export still waits", async () => {
    const { exporter, client } = exporterWith();
    client.script.push(fail(400, false, { body: 'entry for stream \'{a="b"}\' has timestamp too old' }));

    const result = await exportOne(exporter, 'bad').result;

    expect(result.code).to.equal(FAILED);
    expect(result.error?.message).to.match(/400.*timestamp too old/);
    expect(client.pushes).to.have.length(1);
    expect(exporter.stats).to.include({ entriesRefused: 1, exportsFailed: 1, retryBufferEntries: 0 });
  });

  it('a refusal of data already answered SUCCESS is reported once through diag.error, then counted', async () => {
    const time = fakeTimers();
    const spies = captureDiag();
    const { exporter, client } = exporterWith();
    client.script.push(refused, fail(400, false, { body: 'bad 1' }), fail(400, false, { body: 'bad 2' }));

    await exportOne(exporter, 'a').result;
    await exportOne(exporter, 'b').result;
    await time.tickAsync(MAX_RETRY_DELAY_MILLIS);
    await exporter.forceFlush();
    await exportOne(exporter, 'c').result;

    const errors = spies.error.getCalls().map((c) => c.args.map(String).join(' '));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/Loki refused 2 entries.*400.*bad 1/);
    expect(exporter.stats.entriesRefused).to.equal(3);
  });

  it('a hung push: the export answers SUCCESS after the hand-off time, the data stays held', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith();
    client.script.push(hang);

    const pending = exportOne(exporter, 'slow');
    await time.tickAsync(HAND_OFF_MILLIS - 1);
    expect(pending.called()).to.equal(false);
    await time.tickAsync(1);

    expect((await pending.result).code).to.equal(SUCCESS);
    expect(exporter.stats.retryBufferEntries).to.equal(1);
    expect(client.pushes).to.have.length(1);
  });

  it('forceFlush waits for delivery when Loki is healthy, and not at all during an outage', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith();
    let release!: () => void;
    client.script.push((streams) => new Promise((resolve) => (release = () => resolve(ok(streams)))));
    exporter.export([logRecord({ body: 'a' })], () => undefined);
    let flushed = false;
    const flush = exporter.forceFlush().then(() => (flushed = true));
    await time.tickAsync(10);
    expect(flushed).to.equal(false);
    release();
    await flush;

    client.script.push(refused, refused);
    await exportOne(exporter, 'b').result;
    await exporter.forceFlush(); // resolves although Loki is still down
    expect(exporter.stats.retryBufferEntries).to.equal(1);
    expect(client.pushes).to.have.length(3); // the flush tried once more, at once
  });

  it('shutdown delivers what is buffered when Loki comes back within shutdownTimeoutMillis', async () => {
    const time = fakeTimers();
    const { exporter, client } = exporterWith({ shutdownTimeoutMillis: 10_000 });
    client.script.push(refused, refused);
    await exportOne(exporter, 'a').result;

    const shutdown = exporter.shutdown();
    await time.tickAsync(10_000);
    await shutdown;

    expect(client.lines.at(-1)).to.equal('a');
    expect(exporter.stats).to.include({ entries: 1, droppedAtShutdown: 0 });
    expect(client.closed).to.equal(true);
  });

  it('shutdown during an outage gives up after shutdownTimeoutMillis, counts and warns', async () => {
    const time = fakeTimers();
    const spies = captureDiag();
    const { exporter, client } = exporterWith({ shutdownTimeoutMillis: 3_000 });
    client.script.push(...Array.from({ length: 100 }, () => refused));
    await exportOne(exporter, 'a').result;
    await exportOne(exporter, 'b').result;

    const shutdown = exporter.shutdown();
    await time.tickAsync(3_000);
    await shutdown;

    expect(exporter.stats).to.include({ entries: 0, droppedAtShutdown: 2, retryBufferEntries: 0 });
    expect(spies.warnings().filter((w) => /dropped at shutdown/.test(w))).to.have.length(1);
    expect((await exportOne(exporter, 'late').result).code).to.equal(FAILED);
  });

  it('shutdown aborts a hung push after shutdownTimeoutMillis', async () => {
    const time = fakeTimers();
    captureDiag();
    const { exporter, client } = exporterWith({ shutdownTimeoutMillis: 2_000 });
    client.script.push(hang);
    exporter.export([logRecord({ body: 'stuck' })], () => undefined);

    const shutdown = exporter.shutdown();
    await time.tickAsync(2_000);
    await shutdown;

    expect(client.pushes[0].options.signal?.aborted).to.equal(true);
    expect(exporter.stats.droppedAtShutdown).to.equal(1);
  });

  it('drops buffered entries that became too old for Loki instead of sending them', async () => {
    const time = fakeTimers();
    captureDiag();
    let now = NOW_MILLIS;
    const { exporter, client } = exporterWith({ limits: { rejectOldSamplesMaxAgeMillis: 120_000 } }, () => now);
    client.script.push(refused);
    await exportOne(exporter, 'ages').result;

    now += 120_000;
    await time.tickAsync(MAX_RETRY_DELAY_MILLIS);

    expect(client.pushes).to.have.length(1);
    expect(exporter.stats).to.include({ droppedTooOld: 1, retryBufferEntries: 0 });
  });

  it('its timers never keep the process alive, but while shutdown() is awaited', async () => {
    const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
    const { exporter, client } = exporterWith();
    client.script.push(refused);

    await exportOne(exporter, 'x').result;

    const timers = setTimeoutSpy.returnValues as unknown as NodeJS.Timeout[];
    expect(timers.length).to.be.greaterThan(0);
    expect(timers.every((t) => !t.hasRef())).to.equal(true);
    const before = timers.length;
    const shutdown = exporter.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    const during = (setTimeoutSpy.returnValues as unknown as NodeJS.Timeout[]).slice(before);
    expect(during.some((t) => t.hasRef())).to.equal(true);
    await shutdown;
  });

  it('retryBufferBytes is validated; 0 turns the buffer off', () => {
    expect(() => exporterWith({ retryBufferBytes: -1 })).to.throw(RangeError, /retryBufferBytes/);
    expect(() => exporterWith({ retryBufferBytes: '1' as unknown as number })).to.throw(TypeError, /retryBufferBytes/);
    expect(exporterWith({ retryBufferBytes: 0 }).exporter.stats.retryBufferBytes).to.equal(0);
  });
});
