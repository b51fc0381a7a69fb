/**
 * One Loki entry as the exporter builds it: the timestamp as seconds and nanoseconds in two
 * numbers (no `bigint` arithmetic per record), the metadata with the resource and scope part
 * shared by every entry of that resource and scope, and the protobuf encoding made on first
 * use (by the push client, after grouping and nudging), with that shared part copied from
 * bytes encoded once.
 */
import type { EntryEncoder, PushEntry } from '@otel-loki/push';
import type { NamedValue } from './internal-types';

const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_SECOND_BIG = 1_000_000_000n;

/** Metadata pairs shared by many entries, with their protobuf encoding. */
export interface SharedPairs {
  readonly pairs: readonly NamedValue[];
  /** `encodeMetadataPairs(pairs)`. */
  readonly encoded: Uint8Array;
  /** Sum of the lengths (UTF-16 units) of every name and value. */
  readonly chars: number;
}

/** A push entry under construction (timestamps are nudged in place), encoded on first use. */
export class LokiEntry implements PushEntry {
  /**
   * `metadata[sharedStart]` onwards holds `shared.pairs`; `undefined` when the metadata holds
   * no shared run, or was edited since (then every pair is encoded one by one).
   */
  shared: SharedPairs | undefined = undefined;
  sharedStart = 0;
  private _encoded: Uint8Array | undefined = undefined;
  private _nanos: bigint | undefined = undefined;

  constructor(
    /** Whole seconds since the epoch. */
    public seconds: number,
    /** 0 ≤ nanos < 1e9. */
    public nanos: number,
    public line: string,
    public metadata: NamedValue[],
    private readonly _encoder: EntryEncoder
  ) {}

  /** Nanoseconds since the epoch (computed on first use: the exporter itself works on seconds and nanos). */
  get timestampNanos(): bigint {
    this._nanos ??= BigInt(this.seconds) * NANOS_PER_SECOND_BIG + BigInt(this.nanos);
    return this._nanos;
  }

  /** Sets the timestamp; the entry must not have been encoded yet. */
  setTime(seconds: number, nanos: number): void {
    this.seconds = seconds;
    this.nanos = nanos;
    this._encoded = undefined;
    this._nanos = undefined;
  }

  /** Moves the timestamp to 1 ns after (`seconds`, `nanos`). */
  setAfter(seconds: number, nanos: number): void {
    if (nanos + 1 < NANOS_PER_SECOND) this.setTime(seconds, nanos + 1);
    else this.setTime(seconds + 1, 0);
  }

  /** Marks the metadata as edited: the shared run may be gone or no longer where it was. */
  metadataEdited(): void {
    this.shared = undefined;
    this._encoded = undefined;
  }

  /** The entry's protobuf `EntryAdapter` bytes, encoded on first use. */
  get encoded(): Uint8Array {
    this._encoded ??= this._encode();
    return this._encoded;
  }

  private _encode(): Uint8Array {
    const encoder = this._encoder;
    encoder.begin(this.seconds, this.nanos);
    encoder.line(this.line);
    const metadata = this.metadata;
    const shared = this.shared;
    let i = 0;
    if (shared !== undefined) {
      for (; i < this.sharedStart; i++) writePair(encoder, metadata[i]);
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

/** Compares two timestamps given as (seconds, nanos). */
export function compareTime(s1: number, n1: number, s2: number, n2: number): number {
  return s1 !== s2 ? (s1 < s2 ? -1 : 1) : n1 < n2 ? -1 : n1 > n2 ? 1 : 0;
}

/** `HrTime` ([seconds, nanoseconds], nanoseconds possibly ≥ 1e9 or negative) normalized to (seconds, 0 ≤ nanos < 1e9). */
export function splitHrTime(hrTime: readonly [number, number]): [number, number] {
  let seconds = Math.trunc(hrTime[0]);
  let nanos = Math.trunc(hrTime[1]);
  if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
    const carry = Math.floor(nanos / NANOS_PER_SECOND);
    seconds += carry;
    nanos -= carry * NANOS_PER_SECOND;
  }
  return [seconds, nanos];
}

/** (seconds, nanos) as a decimal string of nanoseconds, as Loki writes timestamps in metadata. */
export function timeToDecimal(seconds: number, nanos: number): string {
  if (seconds > 0 && Number.isSafeInteger(seconds)) return `${seconds}${String(nanos).padStart(9, '0')}`;
  return (BigInt(seconds) * NANOS_PER_SECOND_BIG + BigInt(nanos)).toString();
}
