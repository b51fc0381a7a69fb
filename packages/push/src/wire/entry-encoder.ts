/**
 * Entries encoded once, by whoever builds them, into one growing buffer: the protobuf
 * `EntryAdapter` message of each entry (without its own tag and length), which the entry then
 * offers under {@link ENTRY_ENCODING} and `encodePushRequest` and `splitByBytes` use as it is.
 * Metadata pairs shared by many entries (a resource's metadata, `severity_text=INFO`) are
 * encoded once with {@link encodeMetadataPairs} and copied. Field for field, the bytes are
 * those of the protobufjs code generated from `proto/push.proto`.
 */
import type { MetadataPair, PushEntry } from '../types';
import { allocBytes, writeUtf8 as writeUtf8Native } from '#platform/bytes';

/**
 * The key under which an entry offers its own `EntryAdapter` bytes (without tag and length).
 * One producer: `@otel-loki/exporter`'s entry, which encodes exactly its own timestamp, line and
 * metadata and is the only writer of those fields. A symbol, so that no object built by a user
 * (whose `PushEntry` has no such field) can carry stale bytes into a request.
 */
export const ENTRY_ENCODING: unique symbol = Symbol('@otel-loki/push.entryEncoding');

/**
 * Optional companion of {@link ENTRY_ENCODING}: the size of the encoding, for a producer that
 * keeps its bytes inside a larger buffer and makes the view when asked (the splitter and the
 * request writer's first pass then need no view).
 */
export const ENTRY_ENCODED_SIZE: unique symbol = Symbol('@otel-loki/push.entryEncodedSize');

/** A push entry that carries its own encoding (see {@link ENTRY_ENCODING}). */
export interface EncodedPushEntry extends PushEntry {
  readonly [ENTRY_ENCODING]: Uint8Array;
  /** `[ENTRY_ENCODING].byteLength`, without a view made. */
  readonly [ENTRY_ENCODED_SIZE]?: number;
}

/** The entry's own encoding, if it carries one. */
export function ownEncoding(entry: PushEntry): Uint8Array | undefined {
  return (entry as Partial<EncodedPushEntry>)[ENTRY_ENCODING];
}

/** Bytes of the entry's own encoding; `undefined` when it carries none. */
export function ownEncodingSize(entry: PushEntry): number | undefined {
  return (entry as Partial<EncodedPushEntry>)[ENTRY_ENCODED_SIZE] ?? ownEncoding(entry)?.byteLength;
}

const NANOS_PER_SECOND = 1_000_000_000n;

/** Splits nanoseconds since the epoch into a protobuf Timestamp (non-negative `nanos`). */
export function toProtoTimestamp(nanos: bigint): { seconds: number; nanos: number } {
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos - seconds * NANOS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NANOS_PER_SECOND;
  }
  return { seconds: Number(seconds), nanos: Number(rest) };
}

/** Size of the buffers entries are written into; a larger entry gets a buffer of its own size. */
const CHUNK_BYTES = 256 * 1024;
/** Below this many UTF-16 units a JavaScript loop writes ASCII faster than a call into native code. */
const SHORT_STRING = 32;
/** Below this many bytes a JavaScript loop copies faster than `TypedArray.set` (docs/benchmarks.md). */
const NATIVE_COPY_MIN = 12;
/** Largest varint of a length or of the nanos (< 2^32). */
const MAX_VARINT32_BYTES = 5;
/** Field tag and length of one string field, at most. */
const FIELD_OVERHEAD = 1 + MAX_VARINT32_BYTES;
// Field tags: (field number << 3) | wire type (2 = length-delimited, 0 = varint).
const TAG_TIMESTAMP = 0x0a; // EntryAdapter.timestamp = 1
const TAG_LINE = 0x12; // EntryAdapter.line = 2
const TAG_METADATA = 0x1a; // EntryAdapter.structuredMetadata = 3
const TAG_NAME = 0x0a; // LabelPairAdapter.name = 1
const TAG_VALUE = 0x12; // LabelPairAdapter.value = 2
const TAG_SECONDS = 0x08; // Timestamp.seconds = 1
const TAG_NANOS = 0x10; // Timestamp.nanos = 2
/** Timestamp field: tag, length, seconds (tag + 10 bytes at most), nanos (tag + 5). */
const MAX_TIMESTAMP_FIELD_BYTES = 2 + 11 + 6;

/** Bytes of an unsigned varint below 2^53. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  return 8;
}

/** Writes an unsigned varint below 2^53 at `pos`; returns the new position. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  // Bounded: a value below 2^53 takes at most 8 bytes.
  while (value >= 0x80) {
    buf[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buf[pos++] = value;
  return pos;
}

/** Writes an int64 varint (a negative value takes 10 bytes, two's complement) at `pos`. */
export function writeInt64(buf: Uint8Array, pos: number, value: number): number {
  if (value >= 0) return writeVarint(buf, pos, value);
  let big = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < 9; i++) {
    buf[pos++] = Number(big & 0x7fn) | 0x80;
    big >>= 7n;
  }
  buf[pos++] = Number(big);
  return pos;
}

/** Bytes of a protobuf `Timestamp` message body (zero fields are not written). */
export function timestampSize(seconds: number, nanos: number): number {
  return (seconds === 0 ? 0 : 1 + (seconds < 0 ? 10 : varintSize(seconds))) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
}

/**
 * Writes `s` as UTF-8 at `pos` (room for `3 * s.length` bytes is there); returns the number
 * of bytes written. Lone surrogates become U+FFFD, as `Buffer` and protobufjs write them.
 */
function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  const length = s.length;
  if (length <= SHORT_STRING) {
    let i = 0;
    for (; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === length) return length;
  }
  return writeUtf8Native(buf, pos, s);
}

/**
 * Writes the head of a metadata pair whose lengths all fit one byte (`nameBytes + 2 + length
 * < 0x80`): tag, length, the encoded name field, the value's tag and length; returns where the
 * `length` bytes of the value go. Room is there.
 */
function writeShortPairHead(buf: Uint8Array, pos: number, nameField: Uint8Array, length: number): number {
  const nameBytes = nameField.byteLength;
  buf[pos] = TAG_METADATA;
  buf[pos + 1] = nameBytes + 2 + length;
  for (let k = 0; k < nameBytes; k++) buf[pos + 2 + k] = nameField[k];
  const valueAt = pos + 4 + nameBytes;
  buf[valueAt - 2] = TAG_VALUE;
  buf[valueAt - 1] = length;
  return valueAt;
}

/** Decimal digits of a non-negative integer below 2^53. */
function digitCount(value: number): number {
  if (value < 100_000) return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10_000 ? 4 : 5;
  let digits = 1;
  // Bounded: at most 16 digits.
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** Writes the last `count` decimal digits of `value` (≥ 0) so that they end before `end`; returns where they start. */
function writeDigits(buf: Uint8Array, end: number, value: number, count: number): number {
  if (value < 0x80000000) {
    // Int32 arithmetic: a division and a multiplication per digit instead of a float modulo.
    let rest = value | 0;
    for (let at = end - 1; at >= end - count; at--) {
      const quotient = (rest / 10) | 0;
      buf[at] = 0x30 + rest - quotient * 10;
      rest = quotient;
    }
    return end - count;
  }
  let rest = value;
  for (let at = end - 1; at >= end - count; at--) {
    buf[at] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end - count;
}

/**
 * Writes the timestamp field of the entry at `bytes[at]` (made by {@link EntryEncoder}, whose
 * timestamp field takes `fieldBytes` bytes) over the old one, when the new one takes as many bytes; returns
 * `false`, having written nothing, when it does not.
 */
export function rewriteTimestamp(
  bytes: Uint8Array,
  fieldBytes: number,
  seconds: number,
  nanos: number,
  at = 0
): boolean {
  const size = timestampSize(seconds, nanos);
  if (2 + size !== fieldBytes) return false;
  let pos = at + 2; // the tag and the length stay
  if (seconds !== 0) {
    bytes[pos++] = TAG_SECONDS;
    pos = writeInt64(bytes, pos, seconds);
  }
  if (nanos !== 0) {
    bytes[pos++] = TAG_NANOS;
    writeVarint(bytes, pos, nanos);
  }
  return true;
}

/**
 * One buffer of an {@link EntryEncoder}, with the entries kept in it that their owner has not
 * given back yet (see {@link EntryEncoder.hold}).
 */
export class EncoderChunk {
  /** Entries held in the buffer and not yet released. */
  holds = 0;
  /** The encoder has moved on to another buffer: nothing more is written here. */
  retired = false;

  constructor(readonly bytes: Uint8Array) {}
}

/**
 * Writes entries one after the other into large buffers. One encoder serves any number of
 * entries. Without recycling (the default) each {@link EntryEncoder.end} returns a view that
 * stays valid for good: a full buffer is replaced, never reused. With recycling
 * (`maxFreeChunks` > 0) a view stays valid while it is held ({@link EntryEncoder.hold}): a
 * full buffer is written again once every hold on it is released ({@link EntryEncoder.release}),
 * so an owner that holds an entry and loses track of it costs a fresh buffer, never
 * overwritten bytes; a view not held may be written over.
 */
export class EntryEncoder {
  /** The buffer being written, with its holds. */
  private _chunk = new EncoderChunk(allocBytes(0));
  /** `_chunk.bytes`, at hand for the writers (read for every field written; set with `_chunk`). */
  private _buf: Uint8Array = this._chunk.bytes;
  /** Retired buffers with nothing held in them, ready to be written again (at most `maxFreeChunks`). */
  private readonly _free: Uint8Array[] = [];
  private _pos = 0;
  private _start = 0;
  /**
   * The 19 digits of the last time {@link pairWithNameNanos} wrote, and that time: records of
   * one second share the first 10, records of one millisecond all 19.
   */
  private readonly _timeDigits = new Uint8Array(19);
  private _digitsSeconds = -1;
  private _digitsNanos = -1;

  /**
   * @param _maxFreeChunks retired buffers kept for reuse once every entry held in them is
   *   released; 0 (the default): never reused.
   */
  constructor(private readonly _maxFreeChunks = 0) {}

  /** Starts an entry with its timestamp: seconds since the epoch and nanoseconds (0 ≤ nanos < 1e9). */
  begin(seconds: number, nanos: number): void {
    this._ensure(MAX_TIMESTAMP_FIELD_BYTES, false);
    this._start = this._pos;
    const buf = this._buf;
    let pos = this._pos;
    buf[pos++] = TAG_TIMESTAMP;
    buf[pos++] = timestampSize(seconds, nanos);
    if (seconds !== 0) {
      buf[pos++] = TAG_SECONDS;
      pos = writeInt64(buf, pos, seconds);
    }
    if (nanos !== 0) {
      buf[pos++] = TAG_NANOS;
      pos = writeVarint(buf, pos, nanos);
    }
    this._pos = pos;
  }

  /** Writes the line (nothing when empty, as protobuf omits default values). */
  line(line: string): void {
    if (line.length === 0) return;
    this._ensure(FIELD_OVERHEAD + 3 * line.length, true);
    this._pos = writeStringField(this._buf, this._pos, TAG_LINE, line);
  }

  /** Writes one structured metadata pair. */
  pair(name: string, value: string): void {
    this._ensure(FIELD_OVERHEAD * 3 + 3 * (name.length + value.length), true);
    const buf = this._buf;
    let pos = this._pos;
    buf[pos++] = TAG_METADATA;
    const lengthAt = pos++;
    if (name.length > 0) pos = writeStringField(buf, pos, TAG_NAME, name);
    if (value.length > 0) pos = writeStringField(buf, pos, TAG_VALUE, value);
    this._pos = closeLength(buf, lengthAt, pos);
  }

  /**
   * Writes one structured metadata pair whose name field was encoded beforehand with
   * {@link encodeNameField} (names repeat from entry to entry; values seldom do).
   */
  pairWithName(nameField: Uint8Array, value: string): void {
    if (this.pairWithNameAscii(nameField, value)) return;
    const nameBytes = nameField.byteLength;
    this._ensure(FIELD_OVERHEAD * 2 + nameBytes + 3 * value.length, true);
    const buf = this._buf;
    let pos = this._pos;
    buf[pos++] = TAG_METADATA;
    const lengthAt = pos++;
    if (nameBytes < NATIVE_COPY_MIN) {
      for (let i = 0; i < nameBytes; i++) buf[pos + i] = nameField[i];
    } else {
      buf.set(nameField, pos);
    }
    pos += nameBytes;
    if (value.length > 0) pos = writeStringField(buf, pos, TAG_VALUE, value);
    this._pos = closeLength(buf, lengthAt, pos);
  }

  /**
   * {@link pairWithName} for a short ASCII value (IDs, addresses, paths: at most 32 characters,
   * every length fits one byte): one pass, no moves. Returns `false`, having written nothing,
   * for any other value (an ASCII value is well-formed: a caller that checks well-formedness
   * need not for these).
   */
  pairWithNameAscii(nameField: Uint8Array, value: string): boolean {
    return this._shortAscii(nameField, value, false) > 0;
  }

  /**
   * {@link pairWithName} for a trace or span ID, in lower case as Loki writes it (hex digits;
   * ASCII letters lowered). Returns 1 when written, 0 for an ID of zeros only (invalid: nothing
   * written), -1 when the ID is not short ASCII (nothing written: the caller lowers it itself).
   */
  pairWithNameId(nameField: Uint8Array, id: string): number {
    return this._shortAscii(nameField, id, true);
  }

  /**
   * Writes a pair of a short ASCII value in one pass (every length fits one byte); with `asId`,
   * ASCII letters lowered and nothing written for a value of zeros only. Returns 1 when
   * written, 0 for such zeros, -1 (nothing written) when the value is not short ASCII.
   */
  private _shortAscii(nameField: Uint8Array, value: string, asId: boolean): number {
    const nameBytes = nameField.byteLength;
    const length = value.length;
    if (length === 0 || length > SHORT_STRING || nameBytes + 2 + length >= 0x80) return -1;
    this._ensure(4 + nameBytes + length, true);
    const buf = this._buf;
    const pos = this._pos;
    const valueAt = pos + 4 + nameBytes;
    let zeros = asId;
    for (let i = 0; i < length; i++) {
      let c = value.charCodeAt(i);
      if (c >= 0x80) return -1;
      if (asId) {
        if (c !== 0x30) zeros = false;
        if (c >= 0x41 && c <= 0x5a) c += 0x20; // 'A'..'Z'
      }
      buf[valueAt + i] = c;
    }
    if (zeros) return 0;
    writeShortPairHead(buf, pos, nameField, length);
    this._pos = valueAt + length;
    return 1;
  }

  /**
   * {@link pairWithName} for a safe integer value, its decimal digits written straight into
   * the buffer (no string made); returns the value's length in characters.
   */
  pairWithNameInteger(nameField: Uint8Array, value: number): number {
    const magnitude = value < 0 ? -value : value;
    const digits = digitCount(magnitude);
    const length = value < 0 ? digits + 1 : digits;
    if (!Number.isSafeInteger(value) || nameField.byteLength + 2 + length >= 0x80) {
      const text = String(value);
      this.pairWithName(nameField, text);
      return text.length;
    }
    const valueAt = this._shortPair(nameField, length);
    const start = writeDigits(this._buf, valueAt + length, magnitude, digits);
    if (value < 0) this._buf[start - 1] = 0x2d; // '-'
    return length;
  }

  /**
   * {@link pairWithName} for the value `units / 10^decimals` written in plain decimal (the
   * integer part, a point, the fraction without trailing zeros: what `String()` writes for a
   * number that is the double nearest to that decimal, which the caller checked), digits
   * straight into the buffer; `units` a safe integer that is not a multiple of `10^decimals`,
   * 1 ≤ decimals ≤ 9. Returns the value's length in characters.
   */
  pairWithNameDecimal(nameField: Uint8Array, units: number, decimals: number): number {
    const negative = units < 0;
    const magnitude = negative ? -units : units;
    const scale = 10 ** decimals;
    let fraction = magnitude % scale;
    const whole = (magnitude - fraction) / scale;
    let fractionDigits = decimals;
    // Bounded by `decimals`: the fraction is not 0.
    while (fraction % 10 === 0) {
      fraction /= 10;
      fractionDigits--;
    }
    const wholeDigits = digitCount(whole);
    const length = (negative ? 1 : 0) + wholeDigits + 1 + fractionDigits;
    if (nameField.byteLength + 2 + length >= 0x80) {
      const text = `${negative ? '-' : ''}${whole}.${String(fraction).padStart(fractionDigits, '0')}`;
      this.pairWithName(nameField, text);
      return text.length;
    }
    const valueAt = this._shortPair(nameField, length);
    const buf = this._buf;
    const point = writeDigits(buf, valueAt + length, fraction, fractionDigits) - 1;
    buf[point] = 0x2e; // '.'
    const start = writeDigits(buf, point, whole, wholeDigits);
    if (negative) buf[start - 1] = 0x2d; // '-'
    return length;
  }

  /**
   * {@link pairWithName} for a time (`seconds` ≥ 10^9 and < 10^10, 0 ≤ `nanos` < 10^9) written
   * as decimal nanoseconds (19 digits), as Loki writes `observed_timestamp`; `nameField` under
   * 107 bytes (the pair's lengths fit one byte).
   */
  pairWithNameNanos(nameField: Uint8Array, seconds: number, nanos: number): void {
    const digits = this._timeDigits;
    if (seconds !== this._digitsSeconds) {
      writeDigits(digits, 10, seconds, 10);
      this._digitsSeconds = seconds;
    }
    if (nanos !== this._digitsNanos) {
      writeDigits(digits, 19, nanos, 9);
      this._digitsNanos = nanos;
    }
    const valueAt = this._shortPair(nameField, 19);
    const buf = this._buf;
    for (let i = 0; i < 19; i++) buf[valueAt + i] = digits[i];
  }

  /**
   * Makes room for a pair of `length` value bytes whose lengths fit one byte, writes its head,
   * and moves past the whole pair; returns where the value goes.
   */
  private _shortPair(nameField: Uint8Array, length: number): number {
    this._ensure(4 + nameField.byteLength + length, true);
    const valueAt = writeShortPairHead(this._buf, this._pos, nameField, length);
    this._pos = valueAt + length;
    return valueAt;
  }

  /** Copies pre-encoded metadata pairs (from {@link encodeMetadataPairs}). */
  raw(bytes: Uint8Array): void {
    const length = bytes.byteLength;
    this._ensure(length, true);
    const buf = this._buf;
    const pos = this._pos;
    if (length < NATIVE_COPY_MIN) {
      for (let i = 0; i < length; i++) buf[pos + i] = bytes[i];
    } else {
      buf.set(bytes, pos);
    }
    this._pos = pos + length;
  }

  /**
   * Copies `bytes[from, to)`: fields of an entry encoded before (an entry re-made with another
   * timestamp keeps the rest of its bytes).
   */
  rawRange(bytes: Uint8Array, from: number, to: number): void {
    const length = to - from;
    this._ensure(length, true);
    const buf = this._buf;
    const pos = this._pos;
    if (length < NATIVE_COPY_MIN) {
      for (let i = 0; i < length; i++) buf[pos + i] = bytes[from + i];
    } else {
      buf.set(bytes.subarray(from, to), pos);
    }
    this._pos = pos + length;
  }

  /** Bytes written so far in the current entry (its timestamp field included). */
  get written(): number {
    return this._pos - this._start;
  }

  /**
   * The buffer the current entry is in, and where it starts there: with {@link written}, what
   * {@link end} would return, for an owner that keeps (buffer, start, end) rather than a view.
   */
  get buffer(): Uint8Array {
    return this._buf;
  }

  get entryStart(): number {
    return this._start;
  }

  /**
   * Starts again at the beginning of the current buffer: every view returned so far may be
   * written over (for an owner that copied them out; not with {@link hold}s outstanding).
   */
  reset(): void {
    this._start = 0;
    this._pos = 0;
  }

  /** Drops the entry in progress (its bytes are overwritten by the next one). */
  abort(): void {
    this._pos = this._start;
  }

  /** Ends the entry; returns its `EntryAdapter` bytes (a view into the current buffer). */
  end(): Uint8Array {
    const buf = this._buf;
    return new Uint8Array(buf.buffer, buf.byteOffset + this._start, this._pos - this._start);
  }

  /**
   * Holds the buffer the entry just ended is in (the one {@link buffer} returns) for an owner
   * that keeps the entry's bytes there: the buffer is not reused until {@link release}.
   */
  hold(): EncoderChunk {
    const chunk = this._chunk;
    chunk.holds++;
    return chunk;
  }

  /**
   * Gives back one {@link hold}: its entry's bytes will not be read again. A retired buffer
   * whose every hold is given back is reused by a later entry (when the encoder recycles).
   */
  release(chunk: EncoderChunk): void {
    if (--chunk.holds === 0 && chunk.retired) this._recycle(chunk);
  }

  /** Retired buffers waiting to be reused; for tests. */
  get freeChunks(): number {
    return this._free.length;
  }

  /** Makes room for `bytes` more; an entry in progress moves to the new buffer when `inEntry`. */
  private _ensure(bytes: number, inEntry: boolean): void {
    if (this._buf.length - this._pos >= bytes) return;
    const kept = inEntry ? this._pos - this._start : 0;
    const size = Math.max(CHUNK_BYTES, 2 * (kept + bytes));
    const next = size === CHUNK_BYTES && this._free.length > 0 ? this._free.pop()! : allocBytes(size);
    if (kept > 0) next.set(this._buf.subarray(this._start, this._pos));
    const retired = this._chunk;
    retired.retired = true;
    if (retired.holds === 0) this._recycle(retired);
    this._chunk = new EncoderChunk(next);
    this._buf = next;
    this._start = 0;
    this._pos = kept;
  }

  /** Keeps a retired buffer with nothing held in it for reuse (chunk-sized ones, up to the bound). */
  private _recycle(chunk: EncoderChunk): void {
    if (chunk.bytes.length === CHUNK_BYTES && this._free.length < this._maxFreeChunks) this._free.push(chunk.bytes);
  }
}

/**
 * Writes a length-delimited string field at `pos` (room for `FIELD_OVERHEAD + 3 * s.length`
 * is there); returns the new position.
 */
function writeStringField(buf: Uint8Array, pos: number, tag: number, s: string): number {
  buf[pos++] = tag;
  // The UTF-8 length is at least s.length: reserve that varint, move the bytes if it grows.
  const reserved = varintSize(s.length);
  const bytes = writeUtf8(buf, pos + reserved, s);
  const needed = varintSize(bytes);
  if (needed !== reserved) buf.copyWithin(pos + needed, pos + reserved, pos + reserved + bytes);
  writeVarint(buf, pos, bytes);
  return pos + needed + bytes;
}

/** Writes the length of the message that started at `lengthAt + 1` and ends at `end` (one byte was reserved). */
function closeLength(buf: Uint8Array, lengthAt: number, end: number): number {
  const size = end - lengthAt - 1;
  if (size < 0x80) {
    buf[lengthAt] = size;
    return end;
  }
  const extra = varintSize(size) - 1;
  buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, end);
  writeVarint(buf, lengthAt, size);
  return end + extra;
}

/**
 * Structured metadata pairs as the bytes {@link EntryEncoder.pair} writes for them, to copy
 * with {@link EntryEncoder.raw} into every entry that ends with them.
 */
export function encodeMetadataPairs(pairs: readonly MetadataPair[]): Uint8Array {
  const encoder = pairsEncoder;
  encoder.begin(0, 0);
  const prefix = encoder.written; // the empty timestamp field
  for (const pair of pairs) encoder.pair(pair.name, pair.value);
  // A plain Uint8Array (not a Buffer), as every other source of `raw` copies: one receiver
  // shape for the copies' call sites.
  const encoded = new Uint8Array(encoder.end().subarray(prefix));
  encoder.abort();
  return encoded;
}

/**
 * The scratch of {@link encodeMetadataPairs}: each result is copied out and its bytes written
 * over by the next (a fresh encoder per call cost a 256 KiB buffer per interned value).
 */
const pairsEncoder = new EntryEncoder();

/** The name field of a metadata pair (tag, length, UTF-8 name), for {@link EntryEncoder.pairWithName}; empty for an empty name. */
export function encodeNameField(name: string): Uint8Array {
  if (name.length === 0) return new Uint8Array(0);
  const buf = allocBytes(FIELD_OVERHEAD + 3 * name.length);
  const end = writeStringField(buf, 0, TAG_NAME, name);
  return new Uint8Array(buf.subarray(0, end));
}
