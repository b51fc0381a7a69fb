/**
 * A hand-written protobuf encoder for `logproto.PushRequest`, independent of the project's
 * codec, so tests can send fields our encoder never writes (the stream `hash`).
 */
function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function field(number: number, wireType: number): number[] {
  return varint(BigInt((number << 3) | wireType));
}

function bytesField(number: number, payload: number[] | Buffer): number[] {
  const data = Array.from(payload);
  return [...field(number, 2), ...varint(BigInt(data.length)), ...data];
}

function stringField(number: number, value: string): number[] {
  return bytesField(number, Buffer.from(value, 'utf8'));
}

export interface RawEntry {
  timestampNanos: bigint;
  line: string;
  metadata?: Array<[string, string]>;
}

/** Encodes a PushRequest; `hash` is written on every stream when given. */
export function encodeRawPushRequest(
  streams: Array<{ labels: string | Buffer; entries: RawEntry[]; hash?: bigint }>
): Buffer {
  const out: number[] = [];
  for (const stream of streams) {
    const s: number[] =
      typeof stream.labels === 'string' ? [...stringField(1, stream.labels)] : [...bytesField(1, stream.labels)];
    for (const entry of stream.entries) {
      const seconds = entry.timestampNanos / 1_000_000_000n;
      const nanos = entry.timestampNanos % 1_000_000_000n;
      const ts = [...field(1, 0), ...varint(seconds), ...field(2, 0), ...varint(nanos)];
      const e: number[] = [...bytesField(1, ts), ...stringField(2, entry.line)];
      for (const [name, value] of entry.metadata ?? [])
        e.push(...bytesField(3, [...stringField(1, name), ...stringField(2, value)]));
      s.push(...bytesField(2, e));
    }
    if (stream.hash !== undefined) s.push(...field(3, 0), ...varint(stream.hash));
    out.push(...bytesField(1, s));
  }
  return Buffer.from(out);
}
