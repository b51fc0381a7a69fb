/**
 * A `logproto.PushRequest` reader without protobufjs, for the runtimes where the package is
 * bundled (Workers, browsers, edge): protobufjs would add its whole runtime to every bundle
 * for a function that only tests and tools call. It reads what `proto/push.proto` declares and
 * skips unknown fields, as protobufjs does.
 */
import type { MetadataPair, PushEntry, PushStream } from '../types';
import { decodeUtf8 } from '#platform/bytes';

const NANOS_PER_SECOND = 1_000_000_000n;
/** A varint has at most 10 bytes. */
const MAX_VARINT_BYTES = 10;
// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A cursor over one message's bytes. */
class Reader {
  pos: number;

  constructor(
    private readonly _bytes: Uint8Array,
    start: number,
    readonly end: number
  ) {
    this.pos = start;
  }

  varint(): bigint {
    let value = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) throw new Error('invalid PushRequest: truncated varint');
      const byte = this._bytes[this.pos++];
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return value;
    }
    throw new Error('invalid PushRequest: varint over 10 bytes');
  }

  /** The bounds of a length-delimited field's body; moves past it. */
  sub(): Reader {
    const length = Number(this.varint());
    const start = this.pos;
    if (length > this.end - start) throw new Error('invalid PushRequest: length past the end');
    this.pos += length;
    return new Reader(this._bytes, start, start + length);
  }

  string(): string {
    const sub = this.sub();
    return decodeUtf8(this._bytes.subarray(sub.pos, sub.end));
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LENGTH_DELIMITED) this.sub();
    else if (wireType === FIXED64 || wireType === FIXED32) {
      this.pos += wireType === FIXED64 ? 8 : 4;
      if (this.pos > this.end) throw new Error('invalid PushRequest: truncated fixed field');
    } else throw new Error(`invalid PushRequest: wire type ${wireType}`);
  }

  /** Calls `field` for every field of the message; bounded by the message's end. */
  fields(field: (number: number, wireType: number) => boolean): void {
    while (this.pos < this.end) {
      const tag = Number(this.varint());
      const number = tag >>> 3;
      const wireType = tag & 7;
      if (number === 0) throw new Error('invalid PushRequest: field number 0');
      if (!field(number, wireType)) this.skip(wireType);
    }
  }
}

function readEntry(reader: Reader): PushEntry {
  let seconds = 0n;
  let nanos = 0n;
  let line = '';
  const metadata: MetadataPair[] = [];
  reader.fields((number, wireType) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (number === 1) {
      const timestamp = reader.sub();
      timestamp.fields((n, w) => {
        if (w !== VARINT || (n !== 1 && n !== 2)) return false;
        const raw = timestamp.varint();
        if (n === 1) seconds = BigInt.asIntN(64, raw);
        else nanos = BigInt.asIntN(32, raw);
        return true;
      });
    } else if (number === 2) line = reader.string();
    else if (number === 3) {
      const pair = { name: '', value: '' };
      const sub = reader.sub();
      sub.fields((n, w) => {
        if (w !== LENGTH_DELIMITED || (n !== 1 && n !== 2)) return false;
        pair[n === 1 ? 'name' : 'value'] = sub.string();
        return true;
      });
      metadata.push(pair);
    } else return false;
    return true;
  });
  const timestampNanos = seconds * NANOS_PER_SECOND + nanos;
  return metadata.length > 0 ? { timestampNanos, line, metadata } : { timestampNanos, line };
}

/**
 * The metadata pairs of the `EntryAdapter` bytes `bytes[start, end)` (a whole entry, or a run
 * of its fields): for an encoder's own entries read back, never for input from elsewhere.
 */
export function readEntryMetadata(bytes: Uint8Array, start: number, end: number): readonly MetadataPair[] {
  return readEntry(new Reader(bytes, start, end)).metadata ?? [];
}

/**
 * Decodes an uncompressed protobuf `logproto.PushRequest`.
 *
 * @throws {Error} when the bytes are not a valid `PushRequest`.
 */
export function readPushRequest(bytes: Uint8Array): PushStream[] {
  const streams: PushStream[] = [];
  const request = new Reader(bytes, 0, bytes.byteLength);
  request.fields((number, wireType) => {
    if (number !== 1 || wireType !== LENGTH_DELIMITED) return false;
    const stream = request.sub();
    let labels = '';
    const entries: PushEntry[] = [];
    stream.fields((n, w) => {
      if (w !== LENGTH_DELIMITED) return false;
      if (n === 1) labels = stream.string();
      else if (n === 2) entries.push(readEntry(stream.sub()));
      else return false;
      return true;
    });
    streams.push({ labels, entries });
    return true;
  });
  return streams;
}
