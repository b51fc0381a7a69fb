import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fc from 'fast-check';
import { toProtoTimestamp } from '../../src/wire/entry-encoder';
import { encodeJsonPushRequest } from '../../src/wire/json-push-request';
import { decodePushRequest } from '../../src/wire/push-request-decoder';
import { encodePushRequest } from '../../src/wire/push-request-writer';
import { snappyCompress, snappyUncompress } from '../../src/wire/snappy';
import type { PushStream } from '../../src/types';
import { readPushRequest } from '../helpers/proto-reader';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const SAMPLE: PushStream[] = [
  {
    labels: '{job="api", level="info"}',
    entries: [
      {
        timestampNanos: 1_700_000_000_123_456_789n,
        line: 'GET /users 200',
        metadata: [{ name: 'trace_id', value: 'abc' }],
      },
      { timestampNanos: 1_700_000_001_000_000_000n, line: 'é 😀 "quoted"' },
    ],
  },
  { labels: '{job="worker"}', entries: [{ timestampNanos: 5n, line: '' }] },
];

/** Runs a tool of the CI image; on a developer machine without it the test is skipped, in CI it fails. */
function requireTool(ctx: Mocha.Context, command: string, args: string[]): void {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (probe.status !== 0) {
    if (process.env.CI) throw new Error(`${command} is required in CI (installed by .ci/run)`);
    ctx.skip();
  }
}

describe('wire format (protobuf, snappy, JSON)', () => {
  describe('protobuf, checked with an independent reader', () => {
    it('puts labels, timestamps, lines and metadata at Loki field numbers', () => {
      const streams = readPushRequest(encodePushRequest(SAMPLE));
      expect(streams).to.have.length(2);
      expect(streams[0].labels).to.equal('{job="api", level="info"}');
      expect(streams[0].hash).to.equal(0n);
      expect(streams[0].entries[0]).to.deep.include({
        seconds: 1_700_000_000n,
        nanos: 123_456_789n,
        line: 'GET /users 200',
        metadata: [['trace_id', 'abc']],
        otherFields: [],
      });
      expect(streams[0].entries[1]).to.deep.include({ seconds: 1_700_000_001n, nanos: 0n, line: 'é 😀 "quoted"' });
      expect(streams[1].entries[0]).to.deep.include({ seconds: 0n, nanos: 5n, line: '' });
    });

    it('keeps every nanosecond and order (property)', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              ts: fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }),
              line: fc.string({ maxLength: 40 }),
            }),
            {
              minLength: 1,
              maxLength: 20,
            }
          ),
          (items) => {
            const streams: PushStream[] = [
              { labels: '{a="b"}', entries: items.map((i) => ({ timestampNanos: i.ts, line: i.line })) },
            ];
            const read = readPushRequest(encodePushRequest(streams))[0].entries;
            expect(read.map((e) => e.seconds * 1_000_000_000n + e.nanos)).to.deep.equal(items.map((i) => i.ts));
            expect(read.map((e) => e.line)).to.deep.equal(items.map((i) => i.line));
          }
        ),
        { numRuns: 200 }
      );
    });

    it('is read by protoc --decode_raw (Debian protobuf-compiler)', function () {
      requireTool(this, 'protoc', ['--version']);
      const text = execFileSync('protoc', ['--decode_raw'], { input: encodePushRequest(SAMPLE) }).toString();
      expect(text).to.include('1: "{job=\\"api\\", level=\\"info\\"}"');
      expect(text).to.match(/1 \{\s+1: 1700000000\s+2: 123456789\s+\}/);
      expect(text).to.include('2: "GET /users 200"');
      expect(text).to.match(/3 \{\s+1: "trace_id"\s+2: "abc"\s+\}/);
    });
  });

  describe('snappy block format', () => {
    it('is decompressed by an independent block decoder', () => {
      const raw = encodePushRequest(SAMPLE);
      expect(Buffer.from(snappyBlockDecompress(snappyCompress(raw)))).to.deep.equal(Buffer.from(raw));
    });

    it('is decompressed by python3-snappy (Debian), the same block format Loki reads', function () {
      requireTool(this, '/usr/bin/python3', ['-c', 'import snappy']);
      const raw = Buffer.from('x'.repeat(1000) + 'loki push body ' + 'y'.repeat(500));
      const out = execFileSync(
        '/usr/bin/python3',
        ['-c', 'import sys, snappy; sys.stdout.buffer.write(snappy.uncompress(sys.stdin.buffer.read()))'],
        {
          input: snappyCompress(raw),
        }
      );
      expect(out.equals(raw)).to.equal(true);
    });

    it('reads what python3-snappy compresses', function () {
      requireTool(this, '/usr/bin/python3', ['-c', 'import snappy']);
      const raw = encodePushRequest(SAMPLE);
      const compressed = execFileSync(
        '/usr/bin/python3',
        ['-c', 'import sys, snappy; sys.stdout.buffer.write(snappy.compress(sys.stdin.buffer.read()))'],
        { input: raw }
      );
      expect(decodePushRequest(snappyUncompress(compressed))).to.deep.equal(SAMPLE);
    });

    it("refuses corrupt input and oversized declarations with Loki's wording", () => {
      expect(() => snappyUncompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]))).to.throw(
        'snappy: corrupt input'
      );
      expect(() => snappyUncompress(snappyCompress(Buffer.alloc(1000)), 100)).to.throw('snappy: corrupt input');
    });
  });

  describe('decodePushRequest', () => {
    it('round-trips the sample', () => {
      expect(decodePushRequest(encodePushRequest(SAMPLE))).to.deep.equal(SAMPLE);
    });

    it('refuses bytes that are not a PushRequest', () => {
      expect(() => decodePushRequest(Buffer.from([0x0a, 0x05, 0x01]))).to.throw();
    });
  });

  describe('toProtoTimestamp', () => {
    it('keeps nanos non-negative before the epoch', () => {
      expect(toProtoTimestamp(-1n)).to.deep.equal({ seconds: -1, nanos: 999_999_999 });
      expect(toProtoTimestamp(1_500_000_000n)).to.deep.equal({ seconds: 1, nanos: 500_000_000 });
    });
  });

  describe('JSON', () => {
    it("writes Loki's JSON push format with metadata as the third element", () => {
      expect(JSON.parse(encodeJsonPushRequest(SAMPLE))).to.deep.equal({
        streams: [
          {
            stream: { job: 'api', level: 'info' },
            values: [
              ['1700000000123456789', 'GET /users 200', { trace_id: 'abc' }],
              ['1700000001000000000', 'é 😀 "quoted"'],
            ],
          },
          { stream: { job: 'worker' }, values: [['5', '']] },
        ],
      });
    });
  });
});
