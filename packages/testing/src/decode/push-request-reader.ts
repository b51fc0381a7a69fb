/**
 * A protobuf reader for `logproto.PushRequest` that behaves like Loki's gogo/protobuf code:
 * strings are not checked for UTF-8 (invalid bytes read as U+FFFD, which is also what Loki's
 * JSON answers show), unknown fields are skipped, the client's `hash` is ignored. It is
 * independent of the client codec in `@otel-loki/push`, which is stricter.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/push/push.proto
 */
import type { MetadataPair, PushEntry, PushStream } from '@otel-loki/push';

/** A malformed message; `message` is gogo/protobuf's wording. */
export class ProtoDecodeError extends Error {}

const NANOS_PER_SECOND = 1_000_000_000n;
const MAX_VARINT_BYTES = 10;

class Reader {
  private _at: number;

  constructor(
    private readonly _buf: Uint8Array,
    start = 0,
    private readonly _end = _buf.length
  ) {
    this._at = start;
  }

  get done(): boolean {
    return this._at >= this._end;
  }

  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this._at >= this._end) throw new ProtoDecodeError('unexpected EOF');
      const byte = this._buf[this._at++];
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtoDecodeError('proto: integer overflow');
  }

  /** A length-delimited field: a sub-reader over its bytes. */
  bytes(): { start: number; end: number } {
    const length = this.varint();
    const end = this._at + Number(length);
    if (length > BigInt(this._end - this._at)) throw new ProtoDecodeError('unexpected EOF');
    const span = { start: this._at, end };
    this._at = end;
    return span;
  }

  string(): string {
    const { start, end } = this.bytes();
    return Buffer.from(this._buf.buffer, this._buf.byteOffset + start, end - start).toString('utf8');
  }

  sub(): Reader {
    const { start, end } = this.bytes();
    return new Reader(this._buf, start, end);
  }

  skip(wireType: number, message: string, tag: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this._advance(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this._advance(4);
    else throw new ProtoDecodeError(`proto: ${message}: illegal tag ${tag} (wire type ${wireType})`);
  }

  private _advance(n: number): void {
    if (this._at + n > this._end) throw new ProtoDecodeError('unexpected EOF');
    this._at += n;
  }
}

/** Reads fields until the end, calling `onField` for each; unknown fields are skipped. */
function readFields(reader: Reader, message: string, onField: (field: number, wireType: number) => boolean): void {
  // Bounded: every pass consumes at least the key varint.
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 0) throw new ProtoDecodeError(`proto: ${message}: illegal tag 0 (wire type ${wireType})`);
    if (!onField(field, wireType)) reader.skip(wireType, message, field);
  }
}

function expectWireType(wireType: number, expected: number, field: string): void {
  if (wireType !== expected) throw new ProtoDecodeError(`proto: wrong wireType = ${wireType} for field ${field}`);
}

function readTimestamp(reader: Reader): bigint {
  let seconds = 0n;
  let nanos = 0n;
  readFields(reader, 'Timestamp', (field, wireType) => {
    if (field === 1) {
      expectWireType(wireType, 0, 'Seconds');
      seconds = BigInt.asIntN(64, reader.varint());
    } else if (field === 2) {
      expectWireType(wireType, 0, 'Nanos');
      nanos = BigInt.asIntN(32, reader.varint());
    } else return false;
    return true;
  });
  return seconds * NANOS_PER_SECOND + nanos;
}

function readPair(reader: Reader): MetadataPair {
  const pair = { name: '', value: '' };
  readFields(reader, 'LabelPairAdapter', (field, wireType) => {
    if (field !== 1 && field !== 2) return false;
    expectWireType(wireType, 2, field === 1 ? 'Name' : 'Value');
    pair[field === 1 ? 'name' : 'value'] = reader.string();
    return true;
  });
  return pair;
}

function readEntry(reader: Reader): PushEntry {
  let timestampNanos = 0n;
  let line = '';
  const metadata: MetadataPair[] = [];
  readFields(reader, 'EntryAdapter', (field, wireType) => {
    if (field === 1) {
      expectWireType(wireType, 2, 'Timestamp');
      timestampNanos = readTimestamp(reader.sub());
    } else if (field === 2) {
      expectWireType(wireType, 2, 'Line');
      line = reader.string();
    } else if (field === 3) {
      expectWireType(wireType, 2, 'StructuredMetadata');
      metadata.push(readPair(reader.sub()));
    } else return false;
    return true;
  });
  return metadata.length > 0 ? { timestampNanos, line, metadata } : { timestampNanos, line };
}

function readStream(reader: Reader): PushStream {
  let labels = '';
  const entries: PushEntry[] = [];
  readFields(reader, 'StreamAdapter', (field, wireType) => {
    if (field === 1) {
      expectWireType(wireType, 2, 'Labels');
      labels = reader.string();
    } else if (field === 2) {
      expectWireType(wireType, 2, 'Entries');
      entries.push(readEntry(reader.sub()));
    } else return false;
    return true;
  });
  return { labels, entries };
}

/**
 * Decodes an uncompressed `PushRequest`.
 *
 * @throws {ProtoDecodeError} with gogo/protobuf's wording.
 */
export function readPushRequest(bytes: Uint8Array): PushStream[] {
  const reader = new Reader(bytes);
  const streams: PushStream[] = [];
  readFields(reader, 'PushRequest', (field, wireType) => {
    if (field !== 1) return false;
    expectWireType(wireType, 2, 'Streams');
    streams.push(readStream(reader.sub()));
    return true;
  });
  return streams;
}
