/**
 * One Loki entry as the exporter builds it: the timestamp as seconds and nanoseconds in two
 * numbers (no `bigint` arithmetic per record), the metadata with the resource and scope part
 * shared by every entry of that resource and scope, and the protobuf encoding made on first
 * use (by the push client, after grouping and nudging), with that shared part copied from
 * bytes encoded once.
 *
 * The entry is the only writer of its fields: every change goes through a method that drops
 * the cached encoding, so the encoding is always that of the fields (the contract of
 * `EncodedPushEntry`).
 */
import { ENTRY_ENCODING } from '@otel-loki/push/internal';
import type { EncodedPushEntry, EntryEncoder } from '@otel-loki/push/internal';
import type { NamedValue } from './internal-types';
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

/** A push entry under construction (timestamps are nudged, lines truncated...), encoded on first use. */
export class LokiEntry implements EncodedPushEntry {
  private _seconds: number;
  private _nanos: number;
  private _line: string;
  private readonly _metadata: NamedValue[];
  /**
   * `_metadata[_sharedStart]` onwards holds `_shared.pairs`; `undefined` when the metadata
   * holds no shared run, or was edited since (then every pair is encoded one by one).
   */
  private _shared: SharedPairs | undefined;
  private readonly _sharedStart: number;
  private _encoded: Uint8Array | undefined = undefined;
  private _timestampNanos: bigint | undefined = undefined;

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
    metadata: NamedValue[],
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

  get metadata(): readonly NamedValue[] {
    return this._metadata;
  }

  /** Nanoseconds since the epoch (computed on first use: the exporter itself works on seconds and nanos). */
  get timestampNanos(): bigint {
    this._timestampNanos ??= timeToNanos(this._seconds, this._nanos);
    return this._timestampNanos;
  }

  /** The entry's protobuf `EntryAdapter` bytes, encoded on first use. */
  get encoded(): Uint8Array {
    this._encoded ??= this._encode();
    return this._encoded;
  }

  /** The same bytes, under the key the push request writer reads. */
  get [ENTRY_ENCODING](): Uint8Array {
    return this.encoded;
  }

  /** Sum of the lengths (UTF-16 units) of every metadata name and value. */
  get metadataChars(): number {
    const pairs = this._metadata;
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
    this._encoded = undefined;
    this._timestampNanos = undefined;
  }

  /** Moves the timestamp to 1 ns after (`seconds`, `nanos`). */
  setAfter(seconds: number, nanos: number): void {
    if (nanos + 1 < NANOS_PER_SECOND) this.setTime(seconds, nanos + 1);
    else this.setTime(seconds + 1, 0);
  }

  /** Replaces the line. */
  setLine(line: string): void {
    this._line = line;
    this._encoded = undefined;
  }

  /** Appends a metadata pair (after the shared run, which stays valid). */
  appendMetadata(pair: NamedValue): void {
    this._metadata.push(pair);
    this._encoded = undefined;
  }

  /**
   * Lets `edit` change the metadata in place (remove, reorder, replace pairs; never mutate a
   * pair, which may be shared). The shared run is given up: it may be gone or moved.
   */
  editMetadata<T>(edit: (pairs: NamedValue[]) => T): T {
    this._shared = undefined;
    this._encoded = undefined;
    return edit(this._metadata);
  }

  private _encode(): Uint8Array {
    const encoder = this._encoder;
    encoder.begin(this._seconds, this._nanos);
    encoder.line(this._line);
    const metadata = this._metadata;
    const shared = this._shared;
    let i = 0;
    if (shared !== undefined) {
      for (; i < this._sharedStart; i++) writePair(encoder, metadata[i]);
      encoder.raw(shared.encoded);
      i += shared.pairs.length;
    }
    for (; i < metadata.length; i++) writePair(encoder, metadata[i]);
    return encoder.end();
  }
}

function writePair(encoder: EntryEncoder, pair: NamedValue): void {
  if (pair.encoded !== undefined) encoder.raw(pair.encoded);
  else if (pair.nameField !== undefined) encoder.pairWithName(pair.nameField, pair.value);
  else encoder.pair(pair.name, pair.value);
}
