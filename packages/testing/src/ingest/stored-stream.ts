/**
 * One stream of one tenant as the ingester stores it: its entries in timestamp order and the
 * head block's duplicate check, each in constant amortized time per entry.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/chunkenc/unordered.go (the head block's duplicate check)
 */
import type { IngestedEntry, Label } from '../internal-types';
import type { TokenBucket } from './rate-limiter';

/** Whether `a` and `b` are the same entry: timestamp, line and (unless ignored) metadata in order. */
export function sameEntry(a: IngestedEntry, b: IngestedEntry, ignoreMetadata: boolean): boolean {
  if (a.timestampNanos !== b.timestampNanos || a.line !== b.line) return false;
  if (ignoreMetadata) return true;
  if (a.metadata.length !== b.metadata.length) return false;
  return a.metadata.every((pair, i) => pair.name === b.metadata[i].name && pair.value === b.metadata[i].value);
}

function byTimestamp(a: IngestedEntry, b: IngestedEntry): number {
  if (a.timestampNanos === b.timestampNanos) return 0;
  return a.timestampNanos < b.timestampNanos ? -1 : 1;
}

/**
 * The entries stored at one timestamp: most timestamps hold one entry, kept as it is; more are
 * grouped by line, so that an entry is compared only with those of the same timestamp and line.
 */
type AtTimestamp = IngestedEntry | Map<string, IngestedEntry[]>;

/** One stream of one tenant. */
export class StoredStream {
  /** The newest timestamp accepted, from which the out-of-order window is measured. */
  highestTs?: bigint;
  /** The last entry accepted, which an identical next entry repeats. */
  lastLine?: IngestedEntry;
  /** Arrival order until {@link entries} sorts it. */
  private readonly _entries: IngestedEntry[] = [];
  private _sorted = true;
  /** Entries stored at each timestamp, for the duplicate check. */
  private readonly _atTimestamp = new Map<bigint, AtTimestamp>();

  constructor(
    /** Canonical label string. */
    readonly key: string,
    readonly labels: Label[],
    readonly rateLimiter: TokenBucket
  ) {}

  /**
   * Entries sorted by timestamp; equal timestamps keep their arrival order. Every reader goes
   * through here: entries are appended as they arrive (inserting an out-of-order entry in place
   * would move O(n) entries, making a push of many out-of-order entries quadratic), and the
   * first read after an out-of-order entry sorts them. The sort is stable, so entries of equal
   * timestamp stay in arrival order, as insertion after the last equal timestamp left them.
   */
  get entries(): ReadonlyArray<IngestedEntry> {
    if (!this._sorted) {
      this._entries.sort(byTimestamp);
      this._sorted = true;
    }
    return this._entries;
  }

  /**
   * Stores `entry` unless an entry equal to it is already stored at the same timestamp.
   *
   * @returns `false` when `entry` was a duplicate and was dropped.
   */
  add(entry: IngestedEntry, ignoreMetadata: boolean): boolean {
    if (!this._recordUnlessDuplicate(entry, ignoreMetadata)) return false;
    const entries = this._entries;
    if (entries.length > 0 && entry.timestampNanos < entries[entries.length - 1].timestampNanos) this._sorted = false;
    entries.push(entry);
    return true;
  }

  /** Adds `entry` to {@link _atTimestamp} unless an equal entry is there; `false` when one is. */
  private _recordUnlessDuplicate(entry: IngestedEntry, ignoreMetadata: boolean): boolean {
    const ts = entry.timestampNanos;
    let stored = this._atTimestamp.get(ts);
    if (stored === undefined) {
      this._atTimestamp.set(ts, entry);
      return true;
    }
    if (!(stored instanceof Map)) {
      if (sameEntry(stored, entry, ignoreMetadata)) return false;
      stored = new Map([[stored.line, [stored]]]);
      this._atTimestamp.set(ts, stored);
    }
    const sameLine = stored.get(entry.line);
    if (sameLine === undefined) stored.set(entry.line, [entry]);
    else if (sameLine.some((other) => sameEntry(other, entry, ignoreMetadata))) return false;
    else sameLine.push(entry);
    return true;
  }
}
