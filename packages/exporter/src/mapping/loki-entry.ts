/**
 * One Loki entry as the exporter builds it: the timestamp as seconds and nanoseconds in two
 * numbers (no `bigint` arithmetic per record), the metadata with the resource and scope part
 * shared by every entry of that resource and scope, and its protobuf encoding, with that
 * shared part copied from bytes encoded once.
 *
 * Two forms. **Packed** (the mapping's fast path, `LokiEntry.packed`): the mapping wrote the
 * encoding as it read the record, with no metadata objects; the metadata is read back from
 * those bytes only when asked for, and a new timestamp re-makes the timestamp field and copies
 * the rest. **Pairs** (the general path, and a packed entry once its line or metadata is
 * edited): the metadata as pairs, encoded on first use.
 *
 * The entry is the only writer of its fields: every change goes through a method that keeps
 * the encoding that of the fields (the contract of `EncodedPushEntry`).
 *
 * Its bytes lie in a buffer of the mapping's encoder, held (`EntryEncoder.hold`) while the
 * entry may read them. Once delivered, the sender calls {@link LokiEntry.release}: the buffer
 * may then be written again, and the entry refuses to be read (an internal error, never
 * someone else's bytes). An entry never released (dropped, refused, handed to the user)
 * keeps its buffer from reuse: the garbage collector frees it.
 */
import { ENTRY_ENCODED_SIZE, ENTRY_ENCODING, readEntryMetadata, rewriteTimestamp } from '@otel-loki/push/internal';
import type { EncodedPushEntry, EncoderChunk, EntryEncoder } from '@otel-loki/push/internal';
import type { NamedValue } from '../internal-types';
import { RANK_FIELD } from './attribute-flattening';
import { FIELD_NAMES } from './resource-mapping';
import { timeToNanos } from './timestamps';

const NANOS_PER_SECOND = 1_000_000_000;

/** Metadata pairs shared by many entries, with their protobuf encoding. */
export interface SharedPairs {
  readonly pairs: readonly NamedValue[];
  /** `encodeMetadataPairs(pairs)`. */
  readonly encoded: Uint8Array;
  /** Sum of the lengths (UTF-16 units) of every name and value. */
  readonly chars: number;
}

/** A push entry under construction (timestamps are nudged, lines truncated...). */
export class LokiEntry implements EncodedPushEntry {
  private _seconds: number;
  private _nanos: number;
  private _line: string;
  /** Pairs form: the metadata. Packed form: `undefined` until read back from the encoding. */
  private _metadata: NamedValue[] | undefined;
  /**
   * `_metadata[_sharedStart]` onwards holds `_shared.pairs`; `undefined` when the metadata
   * holds no shared run, or was edited since (then every pair is encoded one by one).
   */
  private _shared: SharedPairs | undefined;
  private _sharedStart: number;
  /** Pairs form: the encoding, made on first use. */
  private _encoded: Uint8Array | undefined = undefined;
  /**
   * Packed form (set exactly then): the encoding is `_chunk[_start, _end)` (a view is made
   * when asked for, so that no view object per entry waits in the retry buffer).
   */
  private _chunk: Uint8Array | undefined = undefined;
  /** The encoder's hold on the buffer of the bytes (`_chunk`'s, or `_encoded`'s) while the entry has them. */
  private _hold: EncoderChunk | undefined = undefined;
  /** Delivered and released: never read again. */
  private _released = false;
  private _start = 0;
  private _end = 0;
  private _timestampNanos: bigint | undefined = undefined;
  /** Packed form: bytes of the timestamp field at the start of the encoding. */
  private _timestampBytes = 0;
  /** Packed form: where `_shared.encoded` starts in the encoding (when `_shared` is set). */
  private _sharedOffset = 0;
  /** Packed form: metadata pairs, and UTF-16 units of their names and values. */
  private _packedCount = 0;
  private _packedChars = 0;

  /**
   * @param seconds whole seconds since the epoch.
   * @param nanos 0 ≤ nanos < 1e9.
   * @param metadata owned by the entry from now on.
   * @param shared the run of `metadata` starting at `sharedStart` that is `shared.pairs`.
   */
  constructor(
    seconds: number,
    nanos: number,
    line: string,
    metadata: NamedValue[] | undefined,
    private readonly _encoder: EntryEncoder,
    shared?: SharedPairs,
    sharedStart = 0
  ) {
    this._seconds = seconds;
    this._nanos = nanos;
    this._line = line;
    this._metadata = metadata;
    this._shared = shared;
    this._sharedStart = sharedStart;
  }

  /**
   * An entry whose encoding `chunk.bytes[start, end)` was written by the mapping (held for it:
   * `encoder.hold()`; timestamp field of
   * `timestampBytes` bytes, the line, then `count` metadata pairs of `chars` UTF-16 units, with
   * `shared.encoded` at `sharedOffset`). Pairs before the shared run are record attributes and
   * fields (a field's name is never an attribute's there), pairs after it demoted labels.
   */
  static packed(
    seconds: number,
    nanos: number,
    line: string,
    encoder: EntryEncoder,
    chunk: EncoderChunk,
    start: number,
    end: number,
    timestampBytes: number,
    count: number,
    chars: number,
    shared: SharedPairs | undefined,
    sharedOffset: number
  ): LokiEntry {
    const entry = new LokiEntry(seconds, nanos, line, undefined, encoder, shared, 0);
    entry._chunk = chunk.bytes;
    entry._hold = chunk;
    entry._start = start;
    entry._end = end;
    entry._timestampBytes = timestampBytes;
    entry._packedCount = count;
    entry._packedChars = chars;
    entry._sharedOffset = sharedOffset;
    return entry;
  }

  /** True in the packed form (see the module comment); for tests. */
  get isPacked(): boolean {
    return this._chunk !== undefined;
  }

  /** Whole seconds since the epoch. */
  get seconds(): number {
    return this._seconds;
  }

  /** 0 ≤ nanos < 1e9. */
  get nanos(): number {
    return this._nanos;
  }

  get line(): string {
    return this._line;
  }

  /** The metadata pairs (read back from the encoding on first use in the packed form). */
  get metadata(): readonly NamedValue[] {
    return this._pairs();
  }

  /** Number of metadata pairs. */
  get metadataCount(): number {
    return this._chunk !== undefined ? this._packedCount : this._pairs().length;
  }

  /** Nanoseconds since the epoch (computed on first use: the exporter itself works on seconds and nanos). */
  get timestampNanos(): bigint {
    this._timestampNanos ??= timeToNanos(this._seconds, this._nanos);
    return this._timestampNanos;
  }

  /** The entry's protobuf `EntryAdapter` bytes, encoded on first use. */
  get encoded(): Uint8Array {
    const chunk = this._chunk;
    if (chunk !== undefined)
      return new Uint8Array(chunk.buffer, chunk.byteOffset + this._start, this._end - this._start);
    this._encoded ??= this._encode();
    return this._encoded;
  }

  /** The same bytes, under the key the push request writer reads. */
  get [ENTRY_ENCODING](): Uint8Array {
    return this.encoded;
  }

  /** Their size (no view made in the packed form). */
  get [ENTRY_ENCODED_SIZE](): number {
    return this._chunk !== undefined ? this._end - this._start : this.encoded.byteLength;
  }

  /** Sum of the lengths (UTF-16 units) of every metadata name and value. */
  get metadataChars(): number {
    if (this._chunk !== undefined) return this._packedChars;
    const pairs = this._pairs();
    const shared = this._shared;
    let chars = 0;
    let i = 0;
    if (shared !== undefined) {
      for (; i < this._sharedStart; i++) chars += pairs[i].name.length + pairs[i].value.length;
      chars += shared.chars;
      i += shared.pairs.length;
    }
    for (; i < pairs.length; i++) chars += pairs[i].name.length + pairs[i].value.length;
    return chars;
  }

  /** Sets the timestamp. */
  setTime(seconds: number, nanos: number): void {
    this._seconds = seconds;
    this._nanos = nanos;
    this._timestampNanos = undefined;
    const chunk = this._chunk;
    if (chunk === undefined) {
      this._dropEncoding();
      return;
    }
    // The entry's bytes are its own (the request writer copies them): a timestamp field of the
    // same size is written over the old one, else a new one is made and the rest copied.
    if (rewriteTimestamp(chunk, this._timestampBytes, seconds, nanos, this._start)) return;
    const encoder = this._encoder;
    encoder.begin(seconds, nanos);
    const timestampBytes = encoder.written;
    encoder.rawRange(chunk, this._start + this._timestampBytes, this._end);
    this._sharedOffset += timestampBytes - this._timestampBytes;
    this._timestampBytes = timestampBytes;
    const old = this._hold!;
    const hold = encoder.hold();
    this._hold = hold;
    this._chunk = hold.bytes;
    this._start = encoder.entryStart;
    this._end = this._start + encoder.written;
    encoder.release(old);
  }

  /** Moves the timestamp to 1 ns after (`seconds`, `nanos`). */
  setAfter(seconds: number, nanos: number): void {
    if (nanos + 1 < NANOS_PER_SECOND) this.setTime(seconds, nanos + 1);
    else this.setTime(seconds + 1, 0);
  }

  /** Replaces the line. */
  setLine(line: string): void {
    this._unpack();
    this._line = line;
    this._dropEncoding();
  }

  /** Appends a metadata pair (after the shared run, which stays valid). */
  appendMetadata(pair: NamedValue): void {
    this._unpack();
    this._metadata!.push(pair);
    this._dropEncoding();
  }

  /**
   * Lets `edit` change the metadata in place (remove, reorder, replace pairs; never mutate a
   * pair, which may be shared). The shared run is given up: it may be gone or moved.
   */
  editMetadata<T>(edit: (pairs: NamedValue[]) => T): T {
    this._unpack();
    this._shared = undefined;
    this._dropEncoding();
    return edit(this._metadata!);
  }

  /**
   * The entry was delivered and will not be read again: its bytes are given back to the
   * encoder, which may write other entries over them. Reading the entry afterwards throws.
   * Once only; the sender calls it for its own entries of a push Loki accepted.
   */
  release(): void {
    if (this._released) return;
    this._released = true;
    this._dropEncoding();
    this._chunk = undefined;
  }

  /** The metadata as pairs, read back from a packed encoding (kept for the next read). */
  private _pairs(): NamedValue[] {
    if (this._metadata !== undefined) return this._metadata;
    if (this._released) throw releasedError();
    const bytes = this._chunk!;
    const start = this._start;
    const shared = this._shared;
    const sharedAt = shared === undefined ? this._end : start + this._sharedOffset;
    const pairs: NamedValue[] = readEntryMetadata(bytes, start + this._timestampBytes, sharedAt).map(
      (pair): NamedValue => (FIELD_NAMES.has(pair.name) ? { ...pair, rank: RANK_FIELD } : pair)
    );
    if (shared !== undefined) {
      this._sharedStart = pairs.length;
      for (const pair of shared.pairs) pairs.push(pair);
      for (const pair of readEntryMetadata(bytes, sharedAt + shared.encoded.byteLength, this._end)) pairs.push(pair);
    }
    this._metadata = pairs;
    return pairs;
  }

  /** Leaves the packed form: the pairs become the source of the encoding. */
  private _unpack(): void {
    if (this._chunk === undefined) return;
    this._pairs();
    this._chunk = undefined;
    this._dropEncoding();
  }

  /** Forgets the encoding (it no longer matches the fields, or the entry is done), giving its buffer back. */
  private _dropEncoding(): void {
    this._encoded = undefined;
    const hold = this._hold;
    if (hold === undefined) return;
    this._hold = undefined;
    this._encoder.release(hold);
  }

  private _encode(): Uint8Array {
    if (this._released) throw releasedError();
    const encoder = this._encoder;
    encoder.begin(this._seconds, this._nanos);
    encoder.line(this._line);
    const metadata = this._metadata!;
    const shared = this._shared;
    let i = 0;
    if (shared !== undefined) {
      for (; i < this._sharedStart; i++) writePair(encoder, metadata[i]);
      encoder.raw(shared.encoded);
      i += shared.pairs.length;
    }
    for (; i < metadata.length; i++) writePair(encoder, metadata[i]);
    this._hold = encoder.hold();
    return encoder.end();
  }
}

function releasedError(): Error {
  return new Error('internal error: a Loki entry was read after it was delivered and released');
}

/** Writes one pair: its own encoding, or its encoded name and its value, or both strings. */
export function writePair(encoder: EntryEncoder, pair: NamedValue): void {
  if (pair.encoded !== undefined) encoder.raw(pair.encoded);
  else if (pair.nameField !== undefined) encoder.pairWithName(pair.nameField, pair.value);
  else encoder.pair(pair.name, pair.value);
}
