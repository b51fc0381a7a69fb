/**
 * A small protobuf wire-format reader written for the tests, independent of protobufjs, that
 * decodes Loki's PushRequest by field number.
 */

export interface RawField {
  field: number;
  wireType: number;
  /** Varint value (wire type 0). */
  varint?: bigint;
  /** Payload (wire type 2). */
  bytes?: Uint8Array;
}

/** Reads every field of one message. */
export function readFields(buf: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('varint too long');
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) fields.push({ field, wireType, varint: varint() });
    else if (wireType === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated length-delimited field');
      fields.push({ field, wireType, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  return fields;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DecodedEntry {
  seconds: bigint;
  nanos: bigint;
  line: string;
  metadata: Array<[string, string]>;
  otherFields: number[];
}
export interface DecodedStream {
  labels: string;
  hash: bigint;
  entries: DecodedEntry[];
}

function toSigned64(v: bigint): bigint {
  return v >= 1n << 63n ? v - (1n << 64n) : v;
}

/** Decodes a PushRequest by Loki's field numbers. */
export function readPushRequest(buf: Uint8Array): DecodedStream[] {
  return readFields(buf)
    .filter((f) => f.field === 1)
    .map((s) => {
      const stream: DecodedStream = { labels: '', hash: 0n, entries: [] };
      for (const f of readFields(s.bytes!)) {
        if (f.field === 1) stream.labels = utf8.decode(f.bytes);
        else if (f.field === 3) stream.hash = f.varint!;
        else if (f.field === 2) {
          const entry: DecodedEntry = { seconds: 0n, nanos: 0n, line: '', metadata: [], otherFields: [] };
          for (const e of readFields(f.bytes!)) {
            if (e.field === 1) {
              for (const t of readFields(e.bytes!)) {
                if (t.field === 1) entry.seconds = toSigned64(t.varint!);
                if (t.field === 2) entry.nanos = t.varint!;
              }
            } else if (e.field === 2) entry.line = utf8.decode(e.bytes);
            else if (e.field === 3) {
              let name = '';
              let value = '';
              for (const p of readFields(e.bytes!)) {
                if (p.field === 1) name = utf8.decode(p.bytes);
                if (p.field === 2) value = utf8.decode(p.bytes);
              }
              entry.metadata.push([name, value]);
            } else entry.otherFields.push(e.field);
          }
          stream.entries.push(entry);
        }
      }
      return stream;
    });
}
