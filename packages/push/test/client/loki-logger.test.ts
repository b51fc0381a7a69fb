import { expect } from 'chai';
import * as sinon from 'sinon';
import { LokiLogger, MAX_PENDING_ENTRIES } from '../../src/client/loki-logger';
import { LokiPushError } from '../../src/client/errors';
import { LABEL_VALUE_REPLACEMENT } from '../../src/wire/label-set';
import type { LogEntry } from '../../src/types';
import { settleWithFakeTimers } from '../helpers/fake-clock';
import { readPushRequest } from '../helpers/proto-reader';
import type { DecodedStream } from '../helpers/proto-reader';
import { ScriptedServer } from '../helpers/scripted-server';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const NS = 1_000_000n;

describe('LokiLogger (the seed API)', () => {
  let server: ScriptedServer;
  let logger: LokiLogger;

  beforeEach(async () => {
    server = await ScriptedServer.start();
    logger = new LokiLogger({ url: server.url });
  });

  afterEach(async () => {
    await logger.close();
    await server.close();
  });

  const sent = (index = 0): DecodedStream[] => readPushRequest(snappyBlockDecompress(server.requests[index].body));
  const nanosOf = (e: { seconds: bigint; nanos: bigint }): bigint => e.seconds * 1_000_000_000n + e.nanos;

  describe('sendLog', () => {
    it('sends one entry with labels and structured metadata', async () => {
      const result = await logger.sendLog({
        message: 'User authentication failed',
        labels: { job: 'auth_service', environment: 'production', level: 'error' },
        metadata: { user_id: '12345', trace_id: '0242ac120002' },
      });
      expect(result).to.deep.include({ status: 204, entries: 1, streams: 1, requests: 1 });
      const [stream] = sent();
      expect(stream.labels).to.equal('{environment="production", job="auth_service", level="error"}');
      expect(stream.entries[0].line).to.equal('User authentication failed');
      expect(stream.entries[0].metadata).to.deep.equal([
        ['user_id', '12345'],
        ['trace_id', '0242ac120002'],
      ]);
    });

    it('stamps entries automatically in nanoseconds, strictly increasing', async () => {
      const before = BigInt(Date.now()) * NS;
      for (let i = 0; i < 5; i++) await logger.sendLog({ message: `m${i}`, labels: { job: 'a' } });
      const after = BigInt(Date.now() + 1) * NS;
      const stamps = server.requests.map((_, i) => nanosOf(sent(i)[0].entries[0]));
      for (let i = 1; i < stamps.length; i++) expect(stamps[i] > stamps[i - 1]).to.equal(true);
      expect(stamps[0] >= before && stamps[4] <= after).to.equal(true);
    });

    it('sends a custom nanosecond timestamp exactly', async () => {
      const ts = (BigInt(Date.now()) * NS + 123_456n).toString();
      await logger.sendLog({ message: 'Scheduled task completed', labels: { job: 'scheduler' }, timestamp: ts });
      expect(nanosOf(sent()[0].entries[0]).toString()).to.equal(ts);
    });

    it('reads a local date-time in the configured timezone', async () => {
      const paris = new LokiLogger({ url: server.url, timezone: 'Europe/Paris' });
      const now = new Date();
      // The current wall-clock time in Paris, without offset.
      const local = new Intl.DateTimeFormat('sv-SE', {
        timeZone: 'Europe/Paris',
        dateStyle: 'short',
        timeStyle: 'medium',
      })
        .format(now)
        .replace(' ', 'T');
      await paris.sendLog({ message: 'x', labels: { job: 'tz' }, timestamp: `${local}.250` });
      await paris.close();
      const expected = (BigInt(Math.floor(now.getTime() / 1000)) * 1000n + 250n) * NS;
      expect(nanosOf(sent()[0].entries[0])).to.equal(expected);
    });

    it('sends the tenant header', async () => {
      const tenant = new LokiLogger({ url: server.url, tenantId: 'tenant1' });
      await tenant.sendLog({ message: 'x', labels: { job: 'a' } });
      await tenant.close();
      expect(server.requests[0].headers['x-scope-orgid']).to.equal('tenant1');
    });

    it('replaces U+FFFD in label values and reports how many', async () => {
      const result = await logger.sendLog({ message: 'x', labels: { job: 'bad\ufffd' } });
      expect(result.labelValuesReplaced).to.equal(1);
      expect(sent()[0].labels).to.equal(`{job="bad${LABEL_VALUE_REPLACEMENT}"}`);
    });
  });

  describe('sendBatch', () => {
    const mixed: LogEntry[] = [
      {
        message: 'API request received',
        labels: { job: 'api_service', level: 'info' },
        metadata: { request_id: 'req123' },
      },
      { message: 'Cache miss', labels: { service: 'cache', level: 'warn' }, metadata: { key: 'user:12345' } },
      {
        message: 'Database query executed',
        labels: { level: 'info', job: 'api_service' },
        metadata: { query_time_ms: '150' },
      },
    ];

    it('groups entries with equal labels (any order) into one stream by default', async () => {
      const result = await logger.sendBatch(mixed);
      expect(result).to.deep.include({ entries: 3, streams: 2, requests: 1 });
      const streams = sent();
      expect(streams.map((s) => [s.labels, s.entries.map((e) => e.line)])).to.deep.equal([
        ['{job="api_service", level="info"}', ['API request received', 'Database query executed']],
        ['{level="warn", service="cache"}', ['Cache miss']],
      ]);
    });

    it('sorts entries by timestamp within a stream', async () => {
      const base = BigInt(Date.now()) * NS;
      await logger.sendBatch([
        { message: 'third', labels: { job: 'a' }, timestamp: base + 3n },
        { message: 'first', labels: { job: 'a' }, timestamp: base + 1n },
        { message: 'second', labels: { job: 'a' }, timestamp: base + 2n },
      ]);
      expect(sent()[0].entries.map((e) => e.line)).to.deep.equal(['first', 'second', 'third']);
    });

    it('with groupByLabels false sends one stream per entry, in order', async () => {
      const result = await logger.sendBatch(mixed, { groupByLabels: false });
      expect(result.streams).to.equal(3);
      expect(sent().map((s) => s.entries[0].line)).to.deep.equal([
        'API request received',
        'Cache miss',
        'Database query executed',
      ]);
    });

    it('sends nothing for an empty batch', async () => {
      const result = await logger.sendBatch([]);
      expect(result).to.deep.include({ requests: 0, entries: 0 });
      expect(server.requests).to.have.length(0);
    });

    it('splits a large batch under maxRequestBytes', async () => {
      const big = new LokiLogger({ url: server.url, maxRequestBytes: 64 * 1024 });
      const entries = Array.from({ length: 2000 }, (_, i) => ({
        message: `entry ${i} `.padEnd(200, '-'),
        labels: { job: 'bulk' },
      }));
      const result = await big.sendBatch(entries);
      await big.close();
      expect(result.requests).to.be.greaterThan(5);
      const lines = server.requests.flatMap((_, i) => sent(i).flatMap((s) => s.entries.map((e) => e.line)));
      expect(lines).to.deep.equal(entries.map((e) => e.message));
    });
  });

  describe('bad input fails fast, before any I/O, naming the entry and field', () => {
    const cases: Array<[string, unknown, RegExp, ErrorConstructor]> = [
      [
        'a non-string message',
        { message: 42, labels: { job: 'a' } },
        /entries\[1\]\.message: expected a string, got number/,
        TypeError,
      ],
      [
        'no labels',
        { message: 'x', labels: {} },
        /entries\[1\]\.labels: at least one label with a non-empty value is required/,
        TypeError,
      ],
      [
        'only empty label values',
        { message: 'x', labels: { job: '' } },
        /entries\[1\]\.labels: at least one label/,
        TypeError,
      ],
      [
        'a non-string label value',
        { message: 'x', labels: { job: 1 } },
        /entries\[1\]\.labels\["job"\]: expected a string, got number/,
        TypeError,
      ],
      [
        'an invalid label name',
        { message: 'x', labels: { 'service.name': 'a' } },
        /entries\[1\]\.labels\["service.name"\]: invalid label name.*"service_name"/,
        TypeError,
      ],
      [
        'a non-string metadata value',
        { message: 'x', labels: { job: 'a' }, metadata: { n: 1 } },
        /entries\[1\]\.metadata\["n"\]: expected a string, got number/,
        TypeError,
      ],
      [
        'an unparseable timestamp',
        { message: 'x', labels: { job: 'a' }, timestamp: 'noon' },
        /entries\[1\]\.timestamp: cannot read timestamp "noon"/,
        RangeError,
      ],
      [
        'a numeric timestamp',
        { message: 'x', labels: { job: 'a' }, timestamp: 1 },
        /entries\[1\]\.timestamp: a number cannot hold/,
        TypeError,
      ],
      [
        'a timestamp older than 7 days',
        { message: 'x', labels: { job: 'a' }, timestamp: '1645123456000000000' },
        /entries\[1\]\.timestamp: 2022-02-17T18:44:16.000Z is older than Loki's reject_old_samples_max_age/,
        RangeError,
      ],
      [
        'a timestamp an hour ahead',
        { message: 'x', labels: { job: 'a' }, timestamp: new Date(Date.now() + 3600_000) },
        /entries\[1\]\.timestamp: .* creation_grace_period/,
        RangeError,
      ],
      [
        'a line over 256 KiB',
        { message: 'x'.repeat(262_145), labels: { job: 'a' } },
        /entries\[1\]\.message: 262145 bytes is over Loki's max_line_size of 262144/,
        RangeError,
      ],
      [
        '16 labels',
        { message: 'x', labels: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'v'])) },
        /16 labels is over Loki's max_label_names_per_series of 15/,
        RangeError,
      ],
      [
        'a 3000-byte label value',
        { message: 'x', labels: { job: 'v'.repeat(3000) } },
        /entries\[1\]\.labels\["job"\]: 3000 bytes is over Loki's max_label_value_length of 2048/,
        RangeError,
      ],
      [
        '129 metadata entries',
        {
          message: 'x',
          labels: { job: 'a' },
          metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`m${i}`, 'v'])),
        },
        /129 entries is over Loki's max_structured_metadata_entries_count of 128/,
        RangeError,
      ],
      [
        '70 KB of metadata',
        { message: 'x', labels: { job: 'a' }, metadata: { big: 'v'.repeat(70_000) } },
        /70003 bytes is over Loki's max_structured_metadata_size/,
        RangeError,
      ],
      [
        'a non-object entry',
        'just a string',
        /entries\[1\]: expected an object \{ message, labels \}, got string/,
        TypeError,
      ],
    ];
    for (const [what, bad, message, type] of cases) {
      it(`refuses ${what}`, async () => {
        const error = await logger
          .sendBatch([{ message: 'ok', labels: { job: 'a' } }, bad as LogEntry])
          .catch((e: unknown) => e);
        expect(error).to.be.instanceOf(type);
        expect((error as Error).message).to.match(message);
        expect(server.requests).to.have.length(0);
      });
    }

    it('accepts 15 labels plus service_name (not counted by Loki)', async () => {
      const labels = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`l${i}`, 'v']));
      await logger.sendLog({ message: 'x', labels: { ...labels, service_name: 'svc' } });
      expect(server.requests).to.have.length(1);
    });

    it('lets a limit be raised for a Loki configured differently', async () => {
      const relaxed = new LokiLogger({ url: server.url, limits: { rejectOldSamplesMaxAgeMillis: Infinity } });
      await relaxed.sendLog({ message: 'x', labels: { job: 'a' }, timestamp: '1645123456000000000' });
      await relaxed.close();
      expect(nanosOf(sent()[0].entries[0])).to.equal(1_645_123_456_000_000_000n);
    });

    it('names a single entry "entry" in sendLog', async () => {
      const error = await logger.sendLog({ message: 'x', labels: {} }).catch((e: unknown) => e);
      expect((error as Error).message).to.match(/^entry\.labels: /);
    });

    it('refuses a non-array batch and a non-boolean groupByLabels', async () => {
      expect(await logger.sendBatch('x' as never).catch((e: unknown) => e)).to.be.instanceOf(TypeError);
      expect(await logger.sendBatch([], { groupByLabels: 'yes' as never }).catch((e: unknown) => e)).to.be.instanceOf(
        TypeError
      );
    });
  });

  describe('errors and retries', () => {
    it('retries a 503 and resolves once Loki takes the batch', async () => {
      server.answer({ status: 503 }, { reset: true });
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.now() });
      try {
        const result = await settleWithFakeTimers(clock, logger.sendLog({ message: 'x', labels: { job: 'a' } }));
        expect(result.attempts).to.equal(3);
      } finally {
        clock.restore();
      }
      expect(server.requests).to.have.length(3);
    });

    it("rejects with LokiPushError carrying Loki's reason on a 400", async () => {
      server.answer({ status: 400, body: 'entry for stream \'{job="a"}\' has timestamp too new' });
      const error = (await logger
        .sendLog({ message: 'x', labels: { job: 'a' } })
        .catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.be.instanceOf(LokiPushError);
      expect(error.message).to.equal(
        'Loki rejected the push (400): entry for stream \'{job="a"}\' has timestamp too new'
      );
      expect(error.retryable).to.equal(false);
    });
  });

  describe('log and flush (send at a chosen point, e.g. ctx.waitUntil in a Worker)', () => {
    it('keeps entries until flush(), then sends them in one request grouped by labels', async () => {
      expect(logger.log({ message: 'a', labels: { job: 'w' } })).to.equal(true);
      logger.log({ message: 'b', labels: { job: 'w' } });
      logger.log({ message: 'c', labels: { job: 'x' } });
      expect(server.requests).to.have.length(0);
      expect(logger.pending).to.equal(3);
      const result = await logger.flush();
      expect(result).to.deep.include({ entries: 3, streams: 2, requests: 1 });
      expect(logger.pending).to.equal(0);
      const streams = sent();
      expect(streams.map((s) => s.entries.map((e) => e.line))).to.deep.equal([['a', 'b'], ['c']]);
    });

    it('refuses an invalid entry at log(), before anything is kept', () => {
      expect(() => logger.log({ message: 'x', labels: {} })).to.throw(/labels/);
      expect(logger.pending).to.equal(0);
    });

    it('a flush with nothing kept sends nothing', async () => {
      expect(await logger.flush()).to.deep.include({ entries: 0, requests: 0 });
      expect(server.requests).to.have.length(0);
    });

    it('a failed flush rejects with the entries in failedStreams and keeps nothing for the next', async () => {
      server.answer({ status: 400, body: 'bad' });
      logger.log({ message: 'lost', labels: { job: 'w' } });
      const error = await logger.flush().catch((err: unknown) => err);
      expect(error).to.be.instanceOf(LokiPushError);
      expect((error as LokiPushError).failedStreams[0].entries[0].line).to.equal('lost');
      expect(logger.pending).to.equal(0);
    });

    it('keeps at most MAX_PENDING_ENTRIES: log() then returns false', () => {
      for (let i = 0; i < MAX_PENDING_ENTRIES; i++) logger.log({ message: 'm', labels: { job: 'w' } });
      expect(logger.log({ message: 'one too many', labels: { job: 'w' } })).to.equal(false);
      expect(logger.pending).to.equal(MAX_PENDING_ENTRIES);
    });
  });
});
