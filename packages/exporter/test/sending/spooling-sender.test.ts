/**
 * The exporter with a disk spool: write-ahead, live sends, the backlog after an outage and at the
 * next start, refusals, pacing after 429, expiry, the memory fallback, the flush at exit. Loki is
 * a fake transport under the real push client, which decodes every body it takes.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePushRequest, LokiPushClient, snappyUncompress } from '@otel-loki/push';
import type { LokiClientOptions, PushStream } from '@otel-loki/push';
import type { PushTransport, TransportRequest, TransportResponse } from '@otel-loki/push/internal';
import { captureDiag, restoreDiag } from '../helpers/diag';
import { exportAndWait, logRecord, NOW_MILLIS, T0 } from '../helpers/records';
import { LokiLogRecordExporter } from '../../src/loki-log-record-exporter';
import { INTERNALS } from '../../src/test-seam';
import type { ExporterInternals } from '../../src/test-seam';
import type { LokiExporterOptions } from '../../src/types';
import { FaultyFileSystem, TempDirs } from '../spool/helpers';

const SUCCESS = 0;

/** What the fake Loki does with the next request. */
type Mode = 'up' | 'down' | { status: number; body?: string };

/** A Loki behind the transport: stores decoded entries when up. */
class FakeLoki implements PushTransport {
  mode: Mode = 'up';
  /** Every line Loki stored, in arrival order. */
  readonly lines: string[] = [];
  readonly tenants: Array<string | undefined> = [];
  requests = 0;
  statuses: number[] = [];
  /** Answers for the next requests, before `mode`. */
  readonly next: Mode[] = [];

  async send(request: TransportRequest): Promise<TransportResponse> {
    this.requests++;
    const mode = this.next.shift() ?? this.mode;
    if (mode === 'down') return { kind: 'network', error: new Error('connect ECONNREFUSED'), code: 'ECONNREFUSED' };
    if (mode !== 'up') {
      this.statuses.push(mode.status);
      return { kind: 'response', status: mode.status, body: mode.body ?? 'injected', headers: {} };
    }
    const streams: PushStream[] =
      request.headers['content-type'] === 'application/json'
        ? jsonStreams(request.body)
        : decodePushRequest(snappyUncompress(request.body));
    for (const stream of streams) for (const entry of stream.entries) this.lines.push(entry.line);
    this.tenants.push(request.headers['x-scope-orgid']);
    this.statuses.push(204);
    return { kind: 'response', status: 204, body: '', headers: {} };
  }

  close(): void {}
}

/** The streams of a Loki JSON push body (lines only matter here). */
function jsonStreams(body: Uint8Array): PushStream[] {
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as {
    streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
  };
  return parsed.streams.map((stream) => ({
    labels: JSON.stringify(stream.stream),
    entries: stream.values.map(([ts, line]) => ({ timestampNanos: BigInt(ts), line })),
  }));
}

function spoolExporter(
  loki: FakeLoki,
  directory: string,
  options: LokiExporterOptions = {},
  internals: ExporterInternals = {}
): LokiLogRecordExporter {
  return new LokiLogRecordExporter({
    url: 'http://loki.invalid:3100',
    spool: { directory },
    ...options,
    [INTERNALS]: {
      env: {},
      nowMillis: () => NOW_MILLIS,
      createClient: (clientOptions: LokiClientOptions) => new LokiPushClient(clientOptions, { transport: loki }),
      ...internals,
    },
  } as LokiExporterOptions);
}

function records(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) =>
    logRecord({ body: `${prefix}-${i}`, hrTime: [T0[0], T0[1] + i] as [number, number] })
  );
}

/** Waits until `condition` holds, polling (bounded). */
async function until(condition: () => boolean, what: string, millis = 5_000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function segmentFiles(directory: string): string[] {
  return existsSync(directory) ? readdirSync(directory).filter((name) => name.endsWith('.spool')) : [];
}

describe('LokiLogRecordExporter with a disk spool', () => {
  const dirs = new TempDirs();
  afterEach(() => {
    dirs.cleanup();
    restoreDiag();
  });

  it('delivers live while Loki answers, and leaves nothing to send in the spool', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory);

    expect(await exportAndWait(exporter, records('a', 3))).to.deep.equal({ code: SUCCESS });
    await exporter.forceFlush();

    expect(loki.lines).to.deep.equal(['a-0', 'a-1', 'a-2']);
    expect(exporter.stats).to.include({ entries: 3, spoolEntries: 0, droppedSpoolFull: 0 });
    expect(exporter.stats.spoolFiles).to.equal(1); // the segment being written
    await exporter.shutdown();
  });

  it('keeps what Loki did not take on disk and sends it, in order, once Loki is back', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory);
    loki.mode = 'down';

    for (let batch = 0; batch < 4; batch++) {
      expect(await exportAndWait(exporter, records(`b${batch}`, 2))).to.deep.equal({ code: SUCCESS });
    }
    await until(() => exporter.stats.pushRetries > 0, 'a failed push');
    expect(exporter.stats.spoolEntries).to.equal(8);
    expect(loki.lines).to.deep.equal([]);

    loki.mode = 'up';
    await exporter.forceFlush();
    await until(() => loki.lines.length === 8 && exporter.stats.spoolEntries === 0, 'the backlog');

    expect(loki.lines).to.deep.equal(['b0-0', 'b0-1', 'b1-0', 'b1-1', 'b2-0', 'b2-1', 'b3-0', 'b3-1']);
    expect(exporter.stats).to.include({ entries: 8, spoolEntries: 0 });
    await exporter.shutdown();
  });

  it('leaves undelivered data in the spool at shutdown, and the next exporter sends it exactly once', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const first = spoolExporter(loki, directory, { shutdownTimeoutMillis: 200 });
    loki.mode = 'down';
    await exportAndWait(first, records('old', 5));
    await first.shutdown();
    expect(first.stats.droppedAtShutdown).to.equal(0);
    expect(loki.lines).to.deep.equal([]);

    loki.mode = 'up';
    const second = spoolExporter(loki, directory);
    await exportAndWait(second, records('new', 2));
    await until(() => loki.lines.length === 7, 'the previous run and the new records');
    await second.forceFlush();

    expect(loki.lines).to.deep.equal(['old-0', 'old-1', 'old-2', 'old-3', 'old-4', 'new-0', 'new-1']);
    await second.shutdown();
    expect(loki.lines).to.have.length(7);
  });

  it('counts a refusal for good (400) once and does not keep the data', async () => {
    captureDiag();
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory);
    loki.next.push({ status: 400, body: 'entry too far behind' });

    await exportAndWait(exporter, records('refused', 2));
    await until(() => exporter.stats.entriesRefused === 2, 'the refusal');
    await exportAndWait(exporter, records('fine', 1));
    await exporter.forceFlush();

    expect(loki.lines).to.deep.equal(['fine-0']);
    expect(exporter.stats).to.include({ entriesRefused: 2, spoolEntries: 0, entries: 1 });
    await exporter.shutdown();
  });

  it('drains a backlog after 429s without a storm: the pace halves on each 429', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory, {}, { spool: {} });
    loki.mode = 'down';
    for (let batch = 0; batch < 10; batch++) await exportAndWait(exporter, records(`r${batch}`, 20));
    loki.mode = 'up';
    loki.next.push({ status: 429 }, { status: 429 });

    await exporter.forceFlush();
    await until(() => loki.lines.length === 200, 'the backlog after 429s', 20_000);

    expect(loki.statuses.filter((s) => s === 429)).to.have.length(2);
    expect(new Set(loki.lines).size).to.equal(200);
    await exporter.shutdown();
  });

  it('drops stored entries that became older than Loki accepts, counted, without sending them', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    let now = NOW_MILLIS;
    const exporter = spoolExporter(loki, directory, { shutdownTimeoutMillis: 100 }, { nowMillis: () => now });
    loki.mode = 'down';
    await exportAndWait(exporter, records('stale', 3));
    await exporter.shutdown();

    now = NOW_MILLIS + 8 * 24 * 3600 * 1000; // past reject_old_samples_max_age (7 days)
    loki.mode = 'up';
    const later = spoolExporter(loki, directory, {}, { nowMillis: () => now });
    await until(() => later.stats.droppedTooOld === 3, 'the expiry');

    expect(loki.lines).to.deep.equal([]);
    expect(later.stats.spoolEntries).to.equal(0);
    await later.shutdown();
  });

  it('sends the younger part of a stored request whose oldest entry expired, telling entries apart by their nanoseconds', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    // A 2-minute max age: the exporter keeps a minute of margin, so entries up to 1 minute old are accepted.
    const limits = { rejectOldSamplesMaxAgeMillis: 120_000 };
    const second = T0[0];
    let now = NOW_MILLIS;
    const exporter = spoolExporter(loki, directory, { limits, shutdownTimeoutMillis: 100 }, { nowMillis: () => now });
    loki.mode = 'down';
    // Same second, two streams, the younger entry's first: the oldest is found only by comparing nanoseconds.
    await exportAndWait(exporter, [
      logRecord({ body: 'young', hrTime: [second, 500_000_001], resource: { 'service.name': 'a' } }),
      logRecord({ body: 'old', hrTime: [second, 499_999_999], resource: { 'service.name': 'b' } }),
    ]);
    await exporter.shutdown();

    now = second * 1000 + 500 + 60_000; // oldest accepted: (second, 500 000 000)
    loki.mode = 'up';
    const later = spoolExporter(loki, directory, { limits }, { nowMillis: () => now });
    await until(() => later.stats.droppedTooOld === 1 && later.stats.spoolEntries === 0, 'the partial expiry');

    expect(loki.lines).to.deep.equal(['young']);
    await later.shutdown();
  });

  it('falls back to memory with one warning when the directory cannot be used', async () => {
    const spies = captureDiag();
    const loki = new FakeLoki();
    const parent = dirs.make();
    const directory = join(parent, 'not-a-directory');
    writeFileSync(directory, 'a file');
    const exporter = spoolExporter(loki, directory);

    await exportAndWait(exporter, records('mem', 2));
    await exportAndWait(exporter, records('mem2', 1));
    await exporter.forceFlush();

    expect(loki.lines).to.deep.equal(['mem-0', 'mem-1', 'mem2-0']);
    const warnings = spies.warnings().filter((w) => w.includes('cannot be used'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include(directory);
    await exporter.shutdown();
  });

  it('at exit with Loki down, writes what is pending to disk without waiting, for the next start', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory);
    loki.mode = 'down';
    await exportAndWait(exporter, records('before', 2));
    await until(() => exporter.stats.pushRetries > 0, 'a failed push');

    const started = Date.now();
    exporter.flushSync(records('last-words', 2));
    expect(Date.now() - started).to.be.below(1_000); // not exitTimeoutMillis (2 s): Loki is known down
    expect(exporter.stats.droppedAtExit).to.equal(0);

    loki.mode = 'up';
    const next = spoolExporter(loki, directory);
    await until(() => loki.lines.length === 4, 'the previous run');
    expect([...loki.lines].sort()).to.deep.equal(['before-0', 'before-1', 'last-words-0', 'last-words-1']);
    await next.shutdown();
  });

  it('drains the files of a process that stops after this one started (taken over on a heartbeat)', async () => {
    const directory = join(dirs.make(), 'spool');
    const lokiForB = new FakeLoki();
    const b = spoolExporter(lokiForB, directory, {}, { spool: { heartbeatIntervalMillis: 50 } });
    await exportAndWait(b, records('b', 1));
    await until(() => lokiForB.lines.length === 1, 'b to start');

    const lokiForA = new FakeLoki();
    lokiForA.mode = 'down';
    const a = spoolExporter(lokiForA, directory);
    await exportAndWait(a, records('a', 3));
    await until(() => a.stats.pushRetries > 0, 'a to fail');
    a.flushSync(); // a dies: its lease is released, its files are free

    await until(() => lokiForB.lines.length === 4, 'b to take over and send a’s records');
    expect(lokiForB.lines).to.deep.equal(['b-0', 'a-0', 'a-1', 'a-2']);
    await b.shutdown();
  });

  it('disk full (ENOSPC) while Loki is down: the data goes to memory with one warning, and is delivered', async () => {
    const spies = captureDiag();
    const loki = new FakeLoki();
    loki.mode = 'down';
    const fileSystem = new FaultyFileSystem();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory, {}, { spool: { fileSystem } });
    await exportAndWait(exporter, records('disk', 1));
    fileSystem.fail({ op: 'write', code: 'ENOSPC' });

    expect(await exportAndWait(exporter, records('full', 2))).to.deep.equal({ code: SUCCESS });
    expect(await exportAndWait(exporter, records('full2', 2))).to.deep.equal({ code: SUCCESS });
    expect(exporter.stats.retryBufferEntries).to.equal(4); // in memory, not lost

    loki.mode = 'up';
    await until(() => loki.lines.length === 5, 'delivery from disk and memory', 15_000);
    expect([...loki.lines].sort()).to.deep.equal(['disk-0', 'full-0', 'full-1', 'full2-0', 'full2-1']);
    const warnings = spies.warnings().filter((w) => /spool/.test(w));
    expect(warnings.filter((w) => w.includes('no_space'))).to.have.length(1);
    await exporter.shutdown();
  });

  it("fsync: 'always' answers an export only after its data was fsynced", async () => {
    const loki = new FakeLoki();
    loki.mode = 'down';
    const fileSystem = new FaultyFileSystem();
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(
      loki,
      directory,
      { spool: { directory, fsync: 'always' } },
      { spool: { fileSystem } }
    );
    await exportAndWait(exporter, records('first', 1));
    const before = fileSystem.count('sync', /seg\./);
    await exportAndWait(exporter, records('second', 1));
    expect(fileSystem.count('sync', /seg\./)).to.be.above(before);
    await exporter.shutdown();
  });

  it('skips a damaged region of a spool file at the next start, counted and reported once, and sends what precedes it', async () => {
    const spies = captureDiag();
    const loki = new FakeLoki();
    loki.mode = 'down';
    const directory = join(dirs.make(), 'spool');
    const first = spoolExporter(loki, directory, { shutdownTimeoutMillis: 100 });
    for (let batch = 0; batch < 4; batch++) await exportAndWait(first, records(`c${batch}`, 2));
    await first.shutdown();
    const [segment] = segmentFiles(directory);
    const bytes = readFileSync(join(directory, segment));
    const at = Math.floor(bytes.length * 0.75); // inside the last request
    bytes[at] ^= 0xff;
    writeFileSync(join(directory, segment), bytes);

    loki.mode = 'up';
    const second = spoolExporter(loki, directory);
    await until(() => loki.lines.length === 4 && second.stats.spoolEntries === 0, 'the undamaged requests');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The requests before the damage are sent; the damaged one and those after it in the same
    // file are lost (frames after a damaged length cannot be found again safely).
    expect(loki.lines).to.deep.equal(['c0-0', 'c0-1', 'c1-0', 'c1-1']);
    expect(second.stats.spoolCorruptSkipped).to.equal(1);
    expect(spies.warnings().filter((w) => w.includes('damaged'))).to.have.length(1);
    await second.shutdown();
  });

  it("with format: 'json', stores and re-sends JSON bodies as JSON after an outage", async () => {
    const loki = new FakeLoki();
    loki.mode = 'down';
    const directory = join(dirs.make(), 'spool');
    const exporter = spoolExporter(loki, directory, { format: 'json', retryBufferBytes: 0 });
    await exportAndWait(exporter, records('j', 2));
    await until(() => exporter.stats.pushRetries > 0, 'a failed push');
    loki.mode = 'up';
    await exporter.forceFlush();
    await until(() => loki.lines.length === 2, 'the JSON backlog');
    expect(loki.lines).to.deep.equal(['j-0', 'j-1']);
    await exporter.shutdown();
  });

  it('validates the option before any I/O, naming the field', () => {
    const make = (spool: unknown) => () => new LokiLogRecordExporter({ spool } as LokiExporterOptions);
    expect(make({ directory: '' })).to.throw(TypeError, /spool\.directory/);
    expect(make({ directory: '/tmp/x', maxBytes: -1 })).to.throw(RangeError, /spool\.maxBytes/);
    expect(make({ directory: '/tmp/x', fsync: 'sometimes' })).to.throw(RangeError, /spool\.fsync/);
    expect(make('dir')).to.throw(TypeError, /spool: expected an object/);
    expect(segmentFiles('/tmp/x')).to.deep.equal([]);
  });

  it('reads OTEL_EXPORTER_LOKI_SPOOL_DIR and _MAX_BYTES; spool: false overrides them', async () => {
    const loki = new FakeLoki();
    const directory = join(dirs.make(), 'from-env');
    const env = { OTEL_EXPORTER_LOKI_SPOOL_DIR: directory, OTEL_EXPORTER_LOKI_SPOOL_MAX_BYTES: '1048576' };
    const exporter = spoolExporter(loki, directory, { spool: undefined }, { env });
    await exportAndWait(exporter, records('env', 1));
    await exporter.forceFlush();
    expect(segmentFiles(directory)).to.have.length(1);
    await exporter.shutdown();

    const spies = captureDiag();
    const invalid = spoolExporter(
      loki,
      directory,
      { spool: undefined },
      {
        env: { OTEL_EXPORTER_LOKI_SPOOL_DIR: directory, OTEL_EXPORTER_LOKI_SPOOL_MAX_BYTES: '1GB' },
      }
    );
    expect(spies.warnings().join('\n')).to.match(
      /OTEL_EXPORTER_LOKI_SPOOL_MAX_BYTES: expected a positive whole number of bytes, got "1GB"; using the default \(1 GiB\)/
    );
    await invalid.shutdown();

    const off = join(dirs.make(), 'off');
    const disabled = spoolExporter(loki, off, { spool: false }, { env: { OTEL_EXPORTER_LOKI_SPOOL_DIR: off } });
    await exportAndWait(disabled, records('off', 1));
    expect(existsSync(off)).to.equal(false);
    await disabled.shutdown();
  });
});
