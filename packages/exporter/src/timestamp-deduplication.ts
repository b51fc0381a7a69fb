/**
 * Unique timestamps per stream. Loki's ingester silently keeps only one of two entries with
 * the same timestamp and line in a stream (Loki 3.4.6 even when their metadata differ), and
 * OTel JS timestamps are milliseconds, so a loop logging one message loses records. Entries
 * of a stream are sorted, and each one that is not later than the one before is moved to
 * 1 ns after it. The last timestamp sent per stream is remembered, so that a run of equal
 * timestamps split across two exports is continued, not collided with.
 */
import type { MutableEntry } from './internal-types';

/** Streams whose last timestamp is remembered; the least recently used is forgotten first. */
export const DEFAULT_REMEMBERED_STREAMS = 10_000;

interface LastSent {
  /** Original timestamp of the last entry sent. */
  original: bigint;
  /** Timestamp it was sent with (after nudging). */
  assigned: bigint;
}

/** Sorts entries by timestamp, keeping the order of equal ones (records arrive in log order). */
export function sortEntries(entries: MutableEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].timestampNanos < entries[i - 1].timestampNanos) {
      entries.sort(byTimestamp);
      return;
    }
  }
}

function byTimestamp(a: MutableEntry, b: MutableEntry): number {
  return a.timestampNanos < b.timestampNanos ? -1 : a.timestampNanos > b.timestampNanos ? 1 : 0;
}

/** Remembers the last timestamp per stream and nudges colliding ones. */
export class TimestampDeduplicator {
  private readonly _lastSent = new Map<string, LastSent>();

  constructor(private readonly _maxStreams = DEFAULT_REMEMBERED_STREAMS) {}

  /**
   * Makes the timestamps of `entries` (sorted) strictly increasing and later than what was
   * last sent for a continuing run in stream `key`. Returns how many were moved.
   */
  nudge(key: string, entries: MutableEntry[]): number {
    if (entries.length === 0) return 0;
    const last = this._lastSent.get(key);
    let nudged = 0;
    let previous: bigint | undefined;
    let original = 0n;
    for (const entry of entries) {
      original = entry.timestampNanos;
      let assigned = original;
      if (previous !== undefined && assigned <= previous) assigned = previous + 1n;
      if (last !== undefined && original >= last.original && assigned <= last.assigned) assigned = last.assigned + 1n;
      if (assigned !== original) {
        nudged++;
        entry.timestampNanos = assigned;
      }
      previous = assigned;
    }
    const newest = previous as bigint;
    if (last === undefined || newest > last.assigned) {
      this._lastSent.delete(key);
      this._lastSent.set(key, { original, assigned: newest });
      if (this._lastSent.size > this._maxStreams) {
        const oldest = this._lastSent.keys().next().value as string;
        this._lastSent.delete(oldest);
      }
    }
    return nudged;
  }
}
