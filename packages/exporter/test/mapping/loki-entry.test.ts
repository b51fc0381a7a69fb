/**
 * Entries carry their own protobuf encoding (built from shared, pre-encoded pieces): it must be
 * exactly the encoding of their timestamp, line and metadata, whatever the mapping did
 * (collisions, limits, demoted labels, replaced timestamps, nudging).
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import type { MetadataPair, PushEntry } from '@otel-loki/push';
import { encodePushRequest } from '@otel-loki/push';
import { encodeMetadataPairs, EntryEncoder } from '@otel-loki/push/internal';
import { exporterWithFake } from '../helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS, T0, T0_NANOS } from '../helpers/records';
import type { RecordFields } from '../helpers/records';
import { LokiEntry } from '../../src/mapping/loki-entry';
import type { SharedPairs } from '../../src/mapping/loki-entry';

const NOW = { nowMillis: () => NOW_MILLIS };
const NOW_NANOS = BigInt(NOW_MILLIS) * 1_000_000n;

/** The request bytes of one entry: through its own encoding, and field by field. */
function bothEncodings(entry: PushEntry): [Buffer, Buffer] {
  const plain = { timestampNanos: entry.timestampNanos, line: entry.line, metadata: entry.metadata };
  return [
    Buffer.from(encodePushRequest([{ labels: '', entries: [entry] }])),
    Buffer.from(encodePushRequest([{ labels: '', entries: [plain] }])),
  ];
}

const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('GET', 'INFO', '\uD800', 'é'.repeat(60)),
  fc.integer(),
  fc.double(),
  fc.boolean()
);
const attributeName = fc.oneof(
  fc.constantFrom(
    'http.method',
    'http_method',
    'severity_text',
    'host.name',
    'service.name',
    'scope_name',
    'a.b',
    'a_b'
  ),
  fc.string({ minLength: 1, maxLength: 12 })
);
/** An entry whose metadata ends with a shared run (a resource and scope tail), encoded at once. */
function encodedEntry(): LokiEntry {
  const pairs: MetadataPair[] = [
    { name: 'service_instance_id', value: 'i-1' },
    { name: 'scope_name', value: 'app' },
  ];
  const chars = pairs.reduce((n, p) => n + p.name.length + p.value.length, 0);
  const shared: SharedPairs = { pairs, encoded: encodeMetadataPairs(pairs), chars };
  const metadata = [{ name: 'user', value: 'u-1' }, ...pairs];
  const entry = new LokiEntry(T0[0], T0[1], 'line', metadata, new EntryEncoder(), shared, 1);
  expect(entry.encoded).to.be.instanceOf(Uint8Array);
  return entry;
}

/** True when the entry's own encoding is that of its fields now. */
function encodesItsFields(entry: PushEntry): boolean {
  const [own, plain] = bothEncodings(entry);
  return own.equals(plain);
}

const recordArb: fc.Arbitrary<RecordFields> = fc.record({
  body: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.integer()),
  attributes: fc.dictionary(attributeName, fc.oneof(scalar, fc.dictionary(attributeName, scalar, { maxKeys: 3 })), {
    maxKeys: 8,
  }),
  severityText: fc.constantFrom(undefined, 'INFO', 'WARN', 'x\uD800'),
  severityNumber: fc.constantFrom(undefined, 9, 13),
  hrTime: fc.constantFrom(T0, [T0[0], T0[1] + 1] as [number, number], [T0[0] - 30 * 86_400, 0] as [number, number]),
  // Observed times of one second, of another, unset, and of a shape the fast path leaves to the shared pair.
  hrTimeObserved: fc.constantFrom<[number, number]>(T0, [T0[0], T0[1] + 5], [T0[0] + 1, 7], [0, 0], [T0[0] + 0.5, 3]),
  // Trace and span IDs as Loki writes them: lower case, none when all zeros; upper case,
  // non-ASCII, empty and long IDs too.
  spanContext: fc.option(
    fc.record({
      traceId: fc.constantFrom(
        '0af7651916cd43dd8448eb211c80319c',
        '0AF7651916CD43DD8448EB211C80319C',
        '0'.repeat(32),
        '',
        'é'.repeat(32),
        'İ0',
        'Zz-09'.repeat(8)
      ),
      spanId: fc.constantFrom('b7ad6b7169203331', 'B7AD6B7169203331', '0'.repeat(16), '', 'İd', '0'),
      traceFlags: fc.constantFrom(0, 1),
    }),
    { nil: undefined }
  ),
  resource: fc.constantFrom(
    { 'service.name': 'api', 'host.name': 'h1' },
    { 'service.name': 'api', 'k8s.pod.name': 'p\uFFFD', severity_text: 'collides' },
    {
      'service.name': 'api',
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k8s.cluster.name${i}`, `c${i}`])),
    }
  ),
}) as fc.Arbitrary<RecordFields>;

describe('loki-entry', () => {
  it('an entry encodes exactly as its timestamp, line and metadata do (property, through the exporter)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 6 }), async (fields) => {
        const { exporter, client } = exporterWithFake({ limits: { maxStructuredMetadataEntries: 12 } }, NOW);

        const result = await exportAndWait(
          exporter,
          fields.map((f) => logRecord(f))
        );

        expect(result.code).to.equal(0, String(result.error));
        for (const stream of client.streams) {
          for (const entry of stream.entries) {
            expect(entry.encoded).to.be.instanceOf(Uint8Array);
            const [own, plain] = bothEncodings(entry);
            expect(own.equals(plain)).to.equal(true);
          }
        }
      }),
      { numRuns: 150 }
    );
  });

  it('the fast (packed) path maps every record exactly as the general path does (property, through the exporter)', async () => {
    let packed = 0;
    let general = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 6 }), async (fields) => {
        const run = async (packEntries: boolean) => {
          const { exporter, client } = exporterWithFake(
            { limits: { maxStructuredMetadataEntries: 12 } },
            { ...NOW, packEntries }
          );
          const result = await exportAndWait(
            exporter,
            fields.map((f) => logRecord(f))
          );
          expect(result.code).to.equal(0, String(result.error));
          return { streams: client.streams, stats: exporter.stats };
        };
        const fast = await run(true);
        const slow = await run(false);

        const plain = (streams: typeof fast.streams) =>
          streams.map((s) => ({
            labels: s.labels,
            entries: s.entries.map((e) => ({
              timestampNanos: e.timestampNanos,
              line: e.line,
              metadata: e.metadata?.map((p) => [p.name, p.value]),
            })),
          }));
        expect(plain(fast.streams)).to.deep.equal(plain(slow.streams));
        expect(Buffer.from(encodePushRequest(fast.streams))).to.deep.equal(
          Buffer.from(encodePushRequest(slow.streams))
        );
        expect(fast.stats).to.deep.equal(slow.stats);
        for (const stream of fast.streams)
          for (const entry of stream.entries) (entry as unknown as LokiEntry).isPacked ? packed++ : general++;
      }),
      { numRuns: 150 }
    );
    // Both paths were taken (an edited packed entry counts as general).
    expect(packed).to.be.greaterThan(5);
    expect(general).to.be.greaterThan(5);
  });

  it('the fast path reuses the checks of the last key order only while keys and tail match (property)', async () => {
    // Few keys, some sanitized to one name, one a field's name, one in a resource tail; two
    // resources; long runs, so that orders repeat, extend, shrink and diverge.
    const key = fc.constantFrom('a.b', 'a_b', 'c', 'd', 'severity_text', 'host.name', 'drop.me');
    const recordOf = fc.record({
      keys: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            ['c', 'd'],
            ['c', 'd', 'a.b'],
            ['c', 'd', 'a_b', 'a.b'],
            ['c', 'host.name'],
            ['host.name'],
            ['c', 'severity_text'],
            ['drop.me', 'a.b', 'a_b'],
            []
          ),
        },
        { weight: 1, arbitrary: fc.uniqueArray(key, { maxLength: 5 }) }
      ),
      value: fc.oneof(fc.constantFrom('v', 7, 'x\uD800'), fc.constant({ nested: 1 })),
      resource: fc.constantFrom({ 'service.name': 'api' }, { 'service.name': 'api', 'host.name': 'h1' }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(recordOf, { minLength: 1, maxLength: 40 }), async (specs) => {
        const records = () =>
          specs.map((spec, i) =>
            logRecord({
              body: `r${i}`,
              attributes: Object.fromEntries(
                (spec.keys as readonly string[]).map((k, j) => [k, j === 0 ? spec.value : `v${j}`])
              ),
              resource: spec.resource,
            })
          );
        const rules = [{ source: 'log' as const, match: 'drop.me', action: 'drop' as const }];
        const run = async (packEntries: boolean) => {
          const { exporter, client } = exporterWithFake({ attributeRules: rules }, { ...NOW, packEntries });
          // One export per record: the mapper (and its cache) lives across them.
          for (const record of records()) expect((await exportAndWait(exporter, [record])).code).to.equal(0);
          return {
            bytes: client.streams.map((s) => Buffer.from(encodePushRequest([s])).toString('hex')),
            stats: exporter.stats,
          };
        };
        const fast = await run(true);
        const slow = await run(false);
        expect(fast.bytes).to.deep.equal(slow.bytes);
        expect(fast.stats).to.deep.equal(slow.stats);
      }),
      { numRuns: 400 }
    );
  });

  it('the fast path writes the digits of a key of many number values as the general path writes them', async () => {
    const values = [
      ...[0, -0, 7, -7, 10, 99, 100, 123_456, -(2 ** 40), Number.MAX_SAFE_INTEGER, 2 ** 60, -1e21],
      ...[1.5, 0.001, -0.05, 12.345, 999_999_999.999, 1e9 + 0.5, 0.1 + 0.2, 1 / 3, 1e-7, NaN, Infinity],
    ];
    const records = () =>
      Array.from({ length: 200 }, (_, i) =>
        logRecord({
          body: `r${i}`,
          attributes: {
            size: i < 100 ? i * 1000 : values[i % values.length],
            ms: i < 100 ? i / 8 : values[i % values.length],
          },
          hrTimeObserved: i % 2 === 0 ? T0 : ([T0[0], 1_500_000_000] as [number, number]),
        })
      );
    const run = async (packEntries: boolean) => {
      const { exporter, client } = exporterWithFake({}, { ...NOW, packEntries });
      expect((await exportAndWait(exporter, records())).code).to.equal(0);
      return client.streams.map((s) => Buffer.from(encodePushRequest([s])).toString('hex'));
    };

    expect(await run(true)).to.deep.equal(await run(false));
  });

  describe('a packed entry (the fast path) stays exact through every change', () => {
    /** An entry the fast path made: scalar attributes, trace context, a resource tail. */
    async function packedEntry(): Promise<LokiEntry> {
      const { exporter, client } = exporterWithFake({ uniqueTimestamps: false }, NOW);
      const result = await exportAndWait(exporter, [
        logRecord({
          body: 'GET /items 200',
          attributes: { 'http.method': 'GET', 'url.path': '/items/17', status: 200 },
          severityText: 'INFO',
          severityNumber: 9,
          resource: { 'service.name': 'api', 'host.name': 'h1' },
        }),
      ]);
      expect(result.code).to.equal(0, String(result.error));
      const entry = client.streams[0].entries[0] as unknown as LokiEntry;
      expect(entry.isPacked).to.equal(true);
      return entry;
    }
    const NAMES = [
      'http_method',
      'url_path',
      'status',
      'observed_timestamp',
      'severity_number',
      'severity_text',
      'host_name',
      'scope_name',
    ];

    it('reads its metadata back from its bytes, record fields ranked as fields', async () => {
      const entry = await packedEntry();

      expect(entry.metadata.map((p) => p.name)).to.deep.equal(NAMES);
      expect(entry.metadataCount).to.equal(NAMES.length);
      expect(entry.metadataChars).to.equal(entry.metadata.reduce((n, p) => n + p.name.length + p.value.length, 0));
      expect(entry.metadata.filter((p) => p.rank === 0).map((p) => p.name)).to.deep.equal([
        'observed_timestamp',
        'severity_number',
        'severity_text',
        'scope_name',
      ]);
      expect(encodesItsFields(entry)).to.equal(true);
      expect(entry.isPacked).to.equal(true);
    });

    it('setTime and setAfter re-make the timestamp field and keep the rest', async () => {
      const entry = await packedEntry();

      const bytes = entry.encoded;
      entry.setTime(T0[0], T0[1] + 1); // a field of the same size: written over the old one
      expect([entry.encoded.buffer, entry.encoded.byteOffset]).to.deep.equal([bytes.buffer, bytes.byteOffset]);
      expect(encodesItsFields(entry)).to.equal(true);
      entry.setTime(T0[0] + 100_000, 5);
      expect(encodesItsFields(entry)).to.equal(true);
      entry.setAfter(T0[0] + 1, 999_999_999);
      expect(entry.timestampNanos).to.equal(BigInt(T0[0] + 2) * 1_000_000_000n);
      expect(encodesItsFields(entry)).to.equal(true);
      expect(entry.isPacked).to.equal(true);
      expect(entry.metadata.map((p) => p.name)).to.deep.equal(NAMES);
    });

    it('setLine, appendMetadata and editMetadata leave the packed form', async () => {
      const truncated = await packedEntry();
      truncated.setLine('GET [truncated]');
      expect([truncated.isPacked, truncated.line, encodesItsFields(truncated)]).to.deep.equal([
        false,
        'GET [truncated]',
        true,
      ]);

      const appended = await packedEntry();
      appended.setTime(T0[0] + 7, 0);
      appended.appendMetadata({ name: 'original_timestamp', value: '1' });
      expect(appended.metadata.map((p) => p.name)).to.deep.equal([...NAMES, 'original_timestamp']);
      expect(encodesItsFields(appended)).to.equal(true);

      const edited = await packedEntry();
      edited.editMetadata((pairs) => pairs.splice(1, 1));
      expect(edited.metadata.map((p) => p.name)).to.deep.equal(NAMES.filter((n) => n !== 'url_path'));
      expect(encodesItsFields(edited)).to.equal(true);
    });
  });

  it('a NaN time counts as unset: the entry is sent at the observed time, and a NaN observed time is left out', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);

    const result = await exportAndWait(exporter, [
      logRecord({ body: 'nan time', hrTime: [Number.NaN, 0] }),
      logRecord({ body: 'nan observed', hrTimeObserved: [Number.NaN, 0] }),
    ]);

    expect(result.code).to.equal(0, String(result.error));
    const entries = client.streams.flatMap((s) => s.entries);
    expect(entries.map((e) => e.line)).to.have.members(['nan time', 'nan observed']);
    for (const entry of entries)
      expect(entry.timestampNanos >= T0_NANOS && entry.timestampNanos <= NOW_NANOS).to.equal(true);
    const observed = entries.find((e) => e.line === 'nan observed')!.metadata!.map((p) => p.name);
    expect(observed).to.not.include('observed_timestamp');
  });

  describe('every change drops the cached encoding', () => {
    it('setTime and setAfter', () => {
      const entry = encodedEntry();

      entry.setTime(T0[0] + 1, 5);
      expect(encodesItsFields(entry)).to.equal(true);
      entry.setAfter(T0[0] + 1, 999_999_999);
      expect(entry.timestampNanos).to.equal(BigInt(T0[0] + 2) * 1_000_000_000n);
      expect(encodesItsFields(entry)).to.equal(true);
    });

    it('setLine', () => {
      const entry = encodedEntry();

      entry.setLine('truncated [truncated]');

      expect(entry.line).to.equal('truncated [truncated]');
      expect(encodesItsFields(entry)).to.equal(true);
    });

    it('appendMetadata keeps the shared run and encodes the new pair after it', () => {
      const entry = encodedEntry();

      entry.appendMetadata({ name: 'original_timestamp', value: '1' });

      expect(entry.metadata.map((p) => p.name)).to.deep.equal([
        'user',
        'service_instance_id',
        'scope_name',
        'original_timestamp',
      ]);
      expect(encodesItsFields(entry)).to.equal(true);
    });

    it('editMetadata gives up the shared run, which may be gone', () => {
      const entry = encodedEntry();

      const removed = entry.editMetadata((pairs) => pairs.splice(1, 1).length);

      expect(removed).to.equal(1);
      expect(entry.metadata.map((p) => p.name)).to.deep.equal(['user', 'scope_name']);
      expect(encodesItsFields(entry)).to.equal(true);
    });

    it('metadataChars counts the shared run from its precomputed size', () => {
      const entry = encodedEntry();

      expect(entry.metadataChars).to.equal(entry.metadata.reduce((n, p) => n + p.name.length + p.value.length, 0));
    });
  });

  describe('release (buffer reuse)', () => {
    /** A packed entry written by hand as the mapping writes one (no shared run). */
    function packed(encoder: EntryEncoder, line: string, pairs: MetadataPair[] = []): LokiEntry {
      encoder.begin(T0[0], T0[1]);
      const timestampBytes = encoder.written;
      encoder.line(line);
      for (const pair of pairs) encoder.pair(pair.name, pair.value);
      const chars = pairs.reduce((n, p) => n + p.name.length + p.value.length, 0);
      const start = encoder.entryStart;
      const end = start + encoder.written;
      return LokiEntry.packed(
        T0[0],
        T0[1],
        line,
        encoder,
        encoder.hold(),
        start,
        end,
        timestampBytes,
        pairs.length,
        chars,
        undefined,
        0
      );
    }

    /** Packed entries of 2 KB lines until the encoder moves to another buffer; the last one is in the new buffer. */
    function fill(encoder: EntryEncoder, tag: string): LokiEntry[] {
      const buffer = encoder.buffer;
      const entries: LokiEntry[] = [];
      // Bounded: a 256 KiB buffer holds about 130 entries of 2 KB.
      for (let i = 0; i < 1000 && encoder.buffer === buffer; i++) {
        entries.push(packed(encoder, `${tag}${i} `.padEnd(2000, '.'), [{ name: 'i', value: `${tag}${i}` }]));
      }
      expect(encoder.buffer).to.not.equal(buffer);
      return entries;
    }

    it('a released entry refuses to be read, with an internal error rather than bytes it no longer owns', () => {
      const encoder = new EntryEncoder(2);
      const entry = packed(encoder, 'hello', [{ name: 'k', value: 'v' }]);
      const edited = packed(encoder, 'hello', [{ name: 'k', value: 'v' }]);
      edited.setLine('edited'); // now in the pairs form

      for (const e of [entry, edited]) {
        e.release();
        e.release(); // once only: a second call gives nothing back again
        expect(() => e.encoded).to.throw('internal error: a Loki entry was read after it was delivered and released');
      }
      expect(() => entry.metadata).to.throw('read after it was delivered');
      expect(() => entry.metadataCount).to.throw('read after it was delivered');
    });

    for (const allReleased of [true, false]) {
      it(`a full buffer is written again ${allReleased ? 'once every entry in it is released, whatever their form' : 'only when every entry in it is released: one kept holds it'}`, () => {
        const encoder = new EntryEncoder(2);
        // Buffer A: a pairs-form entry (encoded there), packed entries, and two that leave it.
        const pairsForm = new LokiEntry(T0[0], T0[1], 'pairs form', [{ name: 'q', value: 'Q' }], encoder);
        expect(pairsForm.encoded.byteLength).to.be.greaterThan(0);
        const a = fill(encoder, 'a');
        const bufferA = a[0].encoded.buffer;
        const [moved, edited] = a.splice(0, 2);
        const firstOfB = a.pop()!;

        // In buffer B now: a new timestamp of another size is written there, an edit unpacks.
        moved.setTime(2 ** 35, 7);
        edited.setLine('edited line');
        expect(edited.encoded.buffer).to.not.equal(bufferA);
        if (!allReleased) a.shift(); // one entry of buffer A never released (dropped, say)
        for (const entry of [...a, pairsForm]) entry.release();

        const b = fill(encoder, 'b');
        // The buffer after B: A again when nothing in A is held any more.
        expect(b[b.length - 1].encoded.buffer === bufferA).to.equal(allReleased);
        fill(encoder, 'c'); // writes over what A held
        for (const entry of [moved, edited, firstOfB, ...b]) expect(encodesItsFields(entry)).to.equal(true);
        expect(moved.timestampNanos).to.equal(2n ** 35n * 1_000_000_000n + 7n);
        expect(edited.line).to.equal('edited line');
      });
    }
  });

  it('timestampNanos reads the seconds and nanos, before the epoch too', () => {
    const entry = new LokiEntry(-1, 999_999_999, 'x', [], undefined as never);

    expect([entry.seconds, entry.nanos]).to.deep.equal([-1, 999_999_999]);
    expect(entry.timestampNanos).to.equal(-1n);
    entry.setAfter(entry.seconds, entry.nanos);
    expect(entry.timestampNanos).to.equal(0n);
  });
});
