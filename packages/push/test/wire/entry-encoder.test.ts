import { expect } from 'chai';
import * as fc from 'fast-check';
import {
  ENTRY_ENCODED_SIZE,
  ENTRY_ENCODING,
  EntryEncoder,
  encodeMetadataPairs,
  encodeNameField,
  rewriteTimestamp,
} from '../../src/wire/entry-encoder';
import type { EncoderChunk } from '../../src/wire/entry-encoder';
import { encodePushRequest } from '../../src/wire/push-request-writer';
import { protobufjsEncodePushRequest } from '../helpers/protobufjs-encoder';
import { entrySize } from '../../src/transport/request-splitting';
import type { MetadataPair, PushEntry } from '../../src/types';
import { readPushRequest } from '../helpers/proto-reader';

const NANOS_PER_SECOND = 1_000_000_000n;
const LABELS = '{job="a"}';

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
  fc.constant('x'.repeat(130)),
  fc.constant('é'.repeat(70))
);
const pairArb = fc.record({ name: text, value: text });
const entryArb = fc.record({
  seconds: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  line: text,
  metadata: fc.array(pairArb, { maxLength: 6 }),
  /** How many trailing pairs go in pre-encoded (shared) form. */
  shared: fc.nat({ max: 6 }),
});

type EntryInput = { seconds: number; nanos: number; line: string; metadata: MetadataPair[]; shared: number };

function encode(encoder: EntryEncoder, input: EntryInput): Uint8Array {
  encoder.begin(input.seconds, input.nanos);
  encoder.line(input.line);
  const split = Math.max(0, input.metadata.length - input.shared);
  for (const pair of input.metadata.slice(0, split)) encoder.pair(pair.name, pair.value);
  encoder.raw(encodeMetadataPairs(input.metadata.slice(split)));
  return encoder.end();
}

function plain(input: EntryInput): PushEntry {
  return {
    timestampNanos: BigInt(input.seconds) * NANOS_PER_SECOND + BigInt(input.nanos),
    line: input.line,
    metadata: input.metadata,
  };
}

describe('entry-encoder', () => {
  it('encodes entries exactly as protobufjs does, shared pairs included (property)', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 8 }), (inputs) => {
        const encoder = new EntryEncoder();
        const encoded = inputs.map((input) => ({ ...plain(input), [ENTRY_ENCODING]: encode(encoder, input) }));
        const expected = Buffer.from(protobufjsEncodePushRequest([{ labels: LABELS, entries: inputs.map(plain) }]));
        expect(Buffer.from(encodePushRequest([{ labels: LABELS, entries: encoded }])).equals(expected)).to.equal(true);
      }),
      { numRuns: 400 }
    );
  });

  it('writes a pair with a pre-encoded name exactly as pair() does: short, long, ASCII or not (property)', () => {
    const value = fc.oneof(
      text,
      fc.string({ unit: fc.constantFrom('a', '0', '-', 'é', '😀'), maxLength: 40 }),
      fc.constant('0'.repeat(32)),
      fc.constant('0'.repeat(33)),
      fc.constant(`${'0'.repeat(31)}é`)
    );
    fc.assert(
      fc.property(fc.oneof(text, fc.constant('n'.repeat(95))), value, (name, v) => {
        const withName = new EntryEncoder();
        withName.begin(1, 2);
        withName.pairWithName(encodeNameField(name), v);
        const plainPair = new EntryEncoder();
        plainPair.begin(1, 2);
        plainPair.pair(name, v);
        expect(Buffer.from(withName.end()).equals(Buffer.from(plainPair.end()))).to.equal(true);
      }),
      { numRuns: 600 }
    );
  });

  it('writes a safe integer value exactly as pairWithName writes its decimal string (property)', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.maxSafeInteger().map((n) => -n),
      fc.constantFrom(0, -0, 9, 10, -10, 99, 100, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, 1.5)
    );
    fc.assert(
      fc.property(fc.oneof(text, fc.constant('n'.repeat(110))), value, (name, v) => {
        const withDigits = new EntryEncoder();
        withDigits.begin(1, 2);
        const length = withDigits.pairWithNameInteger(encodeNameField(name), v);
        const withString = new EntryEncoder();
        withString.begin(1, 2);
        withString.pairWithName(encodeNameField(name), String(v));
        expect(Buffer.from(withDigits.end()).equals(Buffer.from(withString.end()))).to.equal(true);
        expect(length).to.equal(String(v).length);
      }),
      { numRuns: 600 }
    );
  });

  it('writes a decimal of 3 fractional digits exactly as pairWithName writes String() of its double (property)', () => {
    const units = fc
      .integer({ min: -(10 ** 12) + 1, max: 10 ** 12 - 1 })
      .filter((n) => n % 1000 !== 0)
      .filter((n) => Math.abs(n / 1000) < 1e9);
    fc.assert(
      fc.property(fc.oneof(text, fc.constant('n'.repeat(110))), units, (name, n) => {
        const withDigits = new EntryEncoder();
        withDigits.begin(1, 2);
        const length = withDigits.pairWithNameDecimal(encodeNameField(name), n, 3);
        const withString = new EntryEncoder();
        withString.begin(1, 2);
        withString.pairWithName(encodeNameField(name), String(n / 1000));
        expect(Buffer.from(withDigits.end()).equals(Buffer.from(withString.end()))).to.equal(true);
        expect(length).to.equal(String(n / 1000).length);
      }),
      { numRuns: 600 }
    );
  });

  it('writes a decimal of any scale as its digits, and a time as 19 digits of nanoseconds', () => {
    const cases: [number, number, string][] = [
      [5, 1, '0.5'],
      [-5, 1, '-0.5'],
      [1_234_500, 4, '123.45'],
      [1, 9, '0.000000001'],
      [-123_456_789_012, 6, '-123456.789012'],
    ];
    for (const [units, decimals, expected] of cases) {
      const encoder = new EntryEncoder();
      encoder.begin(1, 2);
      expect(encoder.pairWithNameDecimal(encodeNameField('d'), units, decimals)).to.equal(expected.length);
      const plain = new EntryEncoder();
      plain.begin(1, 2);
      plain.pairWithName(encodeNameField('d'), expected);
      expect(Buffer.from(encoder.end()).equals(Buffer.from(plain.end()))).to.equal(true, expected);
    }
    // One encoder for a run of times that share seconds or nanoseconds (it keeps the last digits).
    const second = fc.oneof(fc.integer({ min: 1e9, max: 1e10 - 1 }), fc.constantFrom(1e9, 1_767_323_045));
    const nanosecond = fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 5, 999_999_999));
    fc.assert(
      fc.property(fc.array(fc.tuple(second, nanosecond), { minLength: 1, maxLength: 8 }), (times) => {
        const digits = new EntryEncoder();
        const name = encodeNameField('observed_timestamp');
        for (const [s, n] of times) {
          digits.begin(1, 2);
          digits.pairWithNameNanos(name, s, n);
          const plain = new EntryEncoder();
          plain.begin(1, 2);
          plain.pairWithName(name, `${s}${String(n).padStart(9, '0')}`);
          expect(Buffer.from(digits.end()).equals(Buffer.from(plain.end()))).to.equal(true, `${s} ${n}`);
        }
      }),
      { numRuns: 300 }
    );
  });

  it('writes a short ASCII value as pairWithName does, and nothing for any other value (property)', () => {
    const value = fc.oneof(
      text,
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 })
    );
    fc.assert(
      fc.property(fc.oneof(text, fc.constant('n'.repeat(100))), value, (name, v) => {
        const nameField = encodeNameField(name);
        const ascii = new EntryEncoder();
        ascii.begin(1, 2);
        const written = ascii.pairWithNameAscii(nameField, v);
        const short =
          v.length > 0 &&
          v.length <= 32 &&
          nameField.byteLength + 2 + v.length < 0x80 &&
          [...v].every((c) => c.charCodeAt(0) < 0x80);
        expect(written).to.equal(short);
        const plain = new EntryEncoder();
        plain.begin(1, 2);
        if (written) plain.pairWithName(nameField, v);
        expect(Buffer.from(ascii.end()).equals(Buffer.from(plain.end()))).to.equal(true);
      }),
      { numRuns: 600 }
    );
  });

  it('writes a trace or span ID in lower case, nothing for zeros, and leaves other IDs to the caller (property)', () => {
    const hex = (length: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
    const id = fc.oneof(
      hex(32),
      hex(16),
      fc.constantFrom('0'.repeat(32), '0'.repeat(16), '0', '', 'İd', 'é'.repeat(16), 'Zz-09'.repeat(7)),
      text
    );
    fc.assert(
      fc.property(fc.constantFrom('trace_id', 'span_id'), id, (name, value) => {
        const nameField = encodeNameField(name);
        const encoder = new EntryEncoder();
        encoder.begin(1, 2);
        const before = encoder.written;
        const result = encoder.pairWithNameId(nameField, value);
        const handled = value.length > 0 && value.length <= 32 && [...value].every((c) => c.charCodeAt(0) < 0x80);
        expect(result).to.equal(!handled ? -1 : /^0+$/.test(value) ? 0 : 1);
        if (result < 1) {
          expect(encoder.written).to.equal(before);
          return;
        }
        const plain = new EntryEncoder();
        plain.begin(1, 2);
        plain.pairWithName(nameField, value.toLowerCase());
        expect(Buffer.from(encoder.end()).equals(Buffer.from(plain.end()))).to.equal(true);
      }),
      { numRuns: 600 }
    );
  });

  it('rewrites a timestamp in place exactly as begin() writes it, only when the sizes match (property)', () => {
    const seconds = fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(0, 1_767_323_045));
    const nanos = fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 1, 127, 128));
    fc.assert(
      fc.property(seconds, nanos, seconds, nanos, (s1, n1, s2, n2) => {
        const encoder = new EntryEncoder();
        encoder.begin(s1, n1);
        const fieldBytes = encoder.written;
        encoder.line('line');
        const bytes = Uint8Array.prototype.slice.call(encoder.end());
        const before = Buffer.from(bytes);

        const rewritten = rewriteTimestamp(bytes, fieldBytes, s2, n2);

        encoder.begin(s2, n2);
        const expectedField = encoder.written;
        encoder.line('line');
        const expected = Buffer.from(encoder.end());
        expect(rewritten).to.equal(expectedField === fieldBytes);
        expect(Buffer.from(bytes).equals(rewritten ? expected : before)).to.equal(true);
      }),
      { numRuns: 500 }
    );
  });

  it('keeps earlier entries intact when an entry moves to a new buffer', () => {
    const encoder = new EntryEncoder();
    const inputs: EntryInput[] = Array.from({ length: 40 }, (_, i) => ({
      seconds: 1_700_000_000 + i,
      nanos: i,
      line: `${i}:`.padEnd(20_000 + i * 97, 'ü'),
      metadata: [{ name: 'i', value: String(i) }],
      shared: 0,
    }));
    const entries = inputs.map((input) => ({ ...plain(input), [ENTRY_ENCODING]: encode(encoder, input) }));

    const [stream] = readPushRequest(encodePushRequest([{ labels: LABELS, entries }]));

    expect(stream.entries.map((e) => e.line)).to.deep.equal(inputs.map((i) => i.line));
    expect(stream.entries.map((e) => e.nanos)).to.deep.equal(inputs.map((i) => BigInt(i.nanos)));
  });

  it('gives the splitter the exact size of an encoded entry', () => {
    const input: EntryInput = {
      seconds: 1_700_000_000,
      nanos: 5,
      line: 'hello',
      metadata: [{ name: 'k', value: 'v' }],
      shared: 1,
    };
    const entry = { ...plain(input), [ENTRY_ENCODING]: encode(new EntryEncoder(), input) };
    const request = encodePushRequest([{ labels: '', entries: [entry] }]);
    // Request = streams tag + length + the entry field.
    expect(entrySize(entry)).to.equal(request.byteLength - 2);
  });
});

describe('EntryEncoder buffer reuse (hold and release)', () => {
  /** Entries of ~30 KB: a 256 KiB buffer holds 8 of them. */
  function bigInput(i: number): EntryInput {
    return { seconds: 1_700_000_000 + i, nanos: i, line: `${i}:`.padEnd(30_000, 'x'), metadata: [], shared: 0 };
  }

  /**
   * Encodes entries until the encoder moves to another buffer: the entries written in the
   * buffer it was in, each held, and the buffer it moved to.
   */
  function fillBuffer(
    encoder: EntryEncoder,
    from: number
  ): { inputs: EntryInput[]; views: Uint8Array[]; holds: EncoderChunk[]; next: number; movedTo: ArrayBufferLike } {
    const inputs: EntryInput[] = [];
    const views: Uint8Array[] = [];
    const holds: EncoderChunk[] = [];
    let i = from;
    const first = encode(encoder, bigInput(i));
    const buffer = first.buffer;
    inputs.push(bigInput(i));
    views.push(first);
    holds.push(encoder.hold());
    // Bounded: a 256 KiB buffer takes at most 9 entries of 30 KB.
    for (i++; i < from + 20; i++) {
      const view = encode(encoder, bigInput(i));
      if (view.buffer !== buffer) {
        encoder.release(encoder.hold()); // the entry that moved on is not kept
        return { inputs, views, holds, next: i + 1, movedTo: view.buffer };
      }
      inputs.push(bigInput(i));
      views.push(view);
      holds.push(encoder.hold());
    }
    throw new Error('the encoder never moved to another buffer');
  }

  function lines(views: Uint8Array[], inputs: EntryInput[]): string[] {
    const entries = views.map((view, i) => ({ ...plain(inputs[i]), [ENTRY_ENCODING]: view }));
    return readPushRequest(encodePushRequest([{ labels: LABELS, entries }]))[0].entries.map((e) => e.line);
  }

  it('writes over a full buffer only once every entry held in it is released', () => {
    const encoder = new EntryEncoder(2);
    const a = fillBuffer(encoder, 0);
    const b = fillBuffer(encoder, a.next);
    for (const hold of a.holds.slice(1)) encoder.release(hold);
    expect(encoder.freeChunks).to.equal(0); // one entry of buffer a is still held
    const c = fillBuffer(encoder, b.next);
    expect(c.movedTo).to.not.equal(a.views[0].buffer);
    expect(lines(a.views.slice(0, 1), a.inputs)).to.deep.equal([a.inputs[0].line]);

    encoder.release(a.holds[0]);
    expect(encoder.freeChunks).to.equal(1);
    const d = fillBuffer(encoder, c.next);
    expect(d.movedTo).to.equal(a.views[0].buffer); // reused
    // Entries still held in other buffers are untouched.
    expect(lines(b.views, b.inputs)).to.deep.equal(b.inputs.map((i) => i.line));
    expect(lines(c.views, c.inputs)).to.deep.equal(c.inputs.map((i) => i.line));
    expect(lines(d.views, d.inputs)).to.deep.equal(d.inputs.map((i) => i.line));
  });

  it('never reuses the buffer it is writing in, nor any buffer when it does not recycle (the default)', () => {
    const recycling = new EntryEncoder(2);
    const current = encode(recycling, bigInput(0));
    recycling.release(recycling.hold());
    expect(recycling.freeChunks).to.equal(0); // released, but still being written

    const plainEncoder = new EntryEncoder();
    const a = fillBuffer(plainEncoder, 0);
    for (const hold of a.holds) plainEncoder.release(hold);
    const b = fillBuffer(plainEncoder, a.next);
    expect(b.movedTo).to.not.equal(a.views[0].buffer);
    expect(plainEncoder.freeChunks).to.equal(0);
    expect(current.byteLength).to.be.greaterThan(30_000);
  });

  it('keeps at most maxFreeChunks buffers for reuse', () => {
    const encoder = new EntryEncoder(1);
    const filled = [fillBuffer(encoder, 0)];
    for (let k = 1; k < 4; k++) filled.push(fillBuffer(encoder, filled[k - 1].next));
    for (const { holds } of filled.slice(0, 3)) for (const hold of holds) encoder.release(hold);
    expect(encoder.freeChunks).to.equal(1);
  });

  it('encodeMetadataPairs reuses its scratch: earlier results keep their bytes', () => {
    const first = encodeMetadataPairs([{ name: 'http_method', value: 'GET' }]);
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 1000; i++) encodeMetadataPairs([{ name: 'k', value: `value ${i}`.repeat(50) }]);
    expect(first).to.deep.equal(copy);
    const encoder = new EntryEncoder();
    encoder.begin(1, 0);
    encoder.line('l');
    encoder.raw(first);
    const entry = {
      ...plain({ seconds: 1, nanos: 0, line: 'l', metadata: [{ name: 'http_method', value: 'GET' }], shared: 0 }),
      [ENTRY_ENCODING]: encoder.end(),
    };
    const [stream] = readPushRequest(encodePushRequest([{ labels: LABELS, entries: [entry] }]));
    expect(stream.entries[0].metadata).to.deep.equal([['http_method', 'GET']]);
  });
});

describe('ENTRY_ENCODING', () => {
  it('an entry may announce its encoded size (no view for the splitter); a wrong size fails the request', () => {
    const input: EntryInput = { seconds: 1_700_000_000, nanos: 5, line: 'hello', metadata: [], shared: 0 };
    const bytes = encode(new EntryEncoder(), input);
    const sized = { ...plain(input), [ENTRY_ENCODING]: bytes, [ENTRY_ENCODED_SIZE]: bytes.byteLength };
    const unsized = { ...plain(input), [ENTRY_ENCODING]: bytes };

    expect(entrySize(sized)).to.equal(entrySize(unsized));
    expect(Buffer.from(encodePushRequest([{ labels: LABELS, entries: [sized] }]))).to.deep.equal(
      Buffer.from(encodePushRequest([{ labels: LABELS, entries: [unsized] }]))
    );
    const lying = { ...sized, [ENTRY_ENCODED_SIZE]: bytes.byteLength + 1 };
    expect(() => encodePushRequest([{ labels: LABELS, entries: [lying] }])).to.throw(/not the \d+ bytes it announced/);
  });

  it('is the only way an entry brings its own bytes: a plain `encoded` field is ignored', () => {
    const stale = encode(new EntryEncoder(), { seconds: 1, nanos: 0, line: 'stale', metadata: [], shared: 0 });
    const entry = { timestampNanos: 2_000_000_000n, line: 'fresh', encoded: stale } as PushEntry;

    const [stream] = readPushRequest(encodePushRequest([{ labels: LABELS, entries: [entry] }]));

    expect(stream.entries[0]).to.deep.include({ seconds: 2n, line: 'fresh' });
  });
});
