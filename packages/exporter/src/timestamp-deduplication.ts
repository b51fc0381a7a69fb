/**
 * Unique timestamps per stream. Loki's ingester silently keeps only one of two entries with
 * the same timestamp and line in a stream (Loki 3.4.6 even when their metadata differ), and
 * OTel JS timestamps are milliseconds, so a loop logging one message loses records. Entries
 * of a stream are sorted, and each one that is not later than the one before is moved to
 * 1 ns after it. The last timestamp sent per stream is remembered, so that a run of equal
 * timestamps split across two exports is continued, not collided with.
 */
import type { LokiEntry } from './loki-entry';
import { compareTime } from './timestamps';

/** Streams whose last timestamp is remembered; the least recently used is forgotten first. */
export const DEFAULT_REMEMBERED_STREAMS = 10_000;

interface LastSent {
  /** Original timestamp of the last entry sent (seconds, nanos). */
  originalSeconds: number;
  originalNanos: number;
  /** Timestamp it was sent with (after nudging). */
  assignedSeconds: number;
  assignedNanos: number;
}

/** Sorts entries by timestamp, keeping the order of equal ones (records arrive in log order). */
export function sortEntries(entries: LokiEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1];
    const b = entries[i];
    if (b.seconds < a.seconds || (b.seconds === a.seconds && b.nanos < a.nanos)) {
      entries.sort(byTimestamp);
      return;
    }
  }
}

function byTimestamp(a: LokiEntry, b: LokiEntry): number {
  return compareTime(a.seconds, a.nanos, b.seconds, b.nanos);
}

/** Remembers the last timestamp per stream and nudges colliding ones. */
export class TimestampDeduplicator {
  private readonly _lastSent = new Map<string, LastSent>();

  constructor(private readonly _maxStreams = DEFAULT_REMEMBERED_STREAMS) {}

  /**
   * Makes the timestamps of `entries` (sorted) strictly increasing and later than what was
   * last sent for a continuing run in stream `key`. Returns how many were moved.
   */
  nudge(key: string, entries: LokiEntry[]): number {
    if (entries.length === 0) return 0;
    const last = this._lastSent.get(key);
    let nudged = 0;
    // Previous assigned timestamp; -Infinity seconds before the first entry.
    let prevSeconds = -Infinity;
    let prevNanos = 0;
    let originalSeconds = 0;
    let originalNanos = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      originalSeconds = entry.seconds;
      originalNanos = entry.nanos;
      if (compareTime(originalSeconds, originalNanos, prevSeconds, prevNanos) <= 0) {
        entry.setAfter(prevSeconds, prevNanos);
      }
      if (
        last !== undefined &&
        compareTime(originalSeconds, originalNanos, last.originalSeconds, last.originalNanos) >= 0 &&
        compareTime(entry.seconds, entry.nanos, last.assignedSeconds, last.assignedNanos) <= 0
      ) {
        entry.setAfter(last.assignedSeconds, last.assignedNanos);
      }
      if (entry.seconds !== originalSeconds || entry.nanos !== originalNanos) nudged++;
      prevSeconds = entry.seconds;
      prevNanos = entry.nanos;
    }
    if (last === undefined || compareTime(prevSeconds, prevNanos, last.assignedSeconds, last.assignedNanos) > 0) {
      this._lastSent.delete(key);
      this._lastSent.set(key, {
        originalSeconds,
        originalNanos,
        assignedSeconds: prevSeconds,
        assignedNanos: prevNanos,
      });
      if (this._lastSent.size > this._maxStreams) {
        const oldest = this._lastSent.keys().next().value as string;
        this._lastSent.delete(oldest);
      }
    }
    return nudged;
  }
}
