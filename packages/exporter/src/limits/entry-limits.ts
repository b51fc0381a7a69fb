/**
 * An entry made acceptable to Loki: a timestamp inside Loki's window, a line within
 * `max_line_size`, structured metadata within its count and size limits. Nothing Loki would
 * refuse is sent as is, and nothing is dropped silently.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/validate.go
 */
import type { MetadataPair } from '@otel-loki/push';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Diagnostics } from '../observability/diagnostics';
import type { NamedValue, ResolvedLimits } from '../internal-types';
import { RANK_FIELD } from '../mapping/attribute-flattening';
import type { LokiEntry } from '../mapping/loki-entry';
import { compareTime, splitHrTime, splitNanos, timeToDecimal } from '../mapping/timestamps';
import { exceedsUtf8, truncateUtf8, utf8Length } from './utf8';

const NANOS_PER_MILLI = 1_000_000n;
/**
 * Entries are checked against "too old" this much earlier than Loki would, because Loki
 * checks on arrival, which may be after retries.
 */
const OLD_SAMPLE_SAFETY_MARGIN_MILLIS = 60_000;
/** Appended to a truncated line so that a reader knows. */
export const TRUNCATION_MARKER = ' [truncated]';
/** Metadata name of the original timestamp of a record whose timestamp was replaced. */
export const ORIGINAL_TIMESTAMP = 'original_timestamp';

/** Settings of {@link EntryLimiter}. */
export interface EntryLimitsConfig {
  limits: ResolvedLimits;
  invalidTimestamp: 'replace' | 'drop';
  oversizedLine: 'truncate' | 'drop';
}

/** Applies Loki's per-entry limits. */
export class EntryLimiter {
  constructor(
    private readonly _config: EntryLimitsConfig,
    private readonly _diagnostics: Diagnostics
  ) {}

  /** The timestamps Loki accepts at `nowNanos`; computed once per export. */
  window(nowNanos: bigint): TimeWindow {
    return acceptedWindow(this._config.limits, nowNanos);
  }

  /** Fixes `entry` in place. Returns `false` when it must be dropped (counted). */
  apply(entry: LokiEntry, record: ReadableLogRecord, window: TimeWindow): boolean {
    return this._timestamp(entry, record, window) && this._line(entry) && this._metadata(entry);
  }

  private _timestamp(entry: LokiEntry, record: ReadableLogRecord, window: TimeWindow): boolean {
    const seconds = entry.seconds;
    const nanos = entry.nanos;
    if (inWindow(seconds, nanos, window)) return true;
    const original = timeToDecimal(seconds, nanos);
    if (this._config.invalidTimestamp === 'drop') {
      this._diagnostics.countAndWarnOnce('timestampsDropped', 1, `timestamp ${original} ns`);
      return false;
    }
    const [observedSeconds, observedNanos] = splitHrTime(record.hrTimeObserved);
    if (inWindow(observedSeconds, observedNanos, window)) entry.setTime(observedSeconds, observedNanos);
    else entry.setTime(window.nowSeconds, window.nowNanos);
    entry.appendMetadata({ name: ORIGINAL_TIMESTAMP, value: original });
    this._diagnostics.countAndWarnOnce('timestampsReplaced', 1, `timestamp ${original} ns`);
    return true;
  }

  private _line(entry: LokiEntry): boolean {
    const max = this._config.limits.maxLineSize;
    if (!exceedsUtf8(entry.line, max)) return true;
    if (this._config.oversizedLine === 'drop') {
      this._diagnostics.countAndWarnOnce('linesDropped', 1, `${utf8Length(entry.line)} bytes`);
      return false;
    }
    this._diagnostics.countAndWarnOnce('linesTruncated', 1, `${utf8Length(entry.line)} bytes`);
    entry.setLine(truncateUtf8(entry.line, max - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
    return true;
  }

  private _metadata(entry: LokiEntry): boolean {
    const { maxStructuredMetadataEntries: maxCount, maxStructuredMetadataSize: maxSize } = this._config.limits;
    const count = entry.metadataCount;
    // A UTF-16 unit takes at most 3 UTF-8 bytes: small metadata needs no exact measure (nor
    // the pairs of a packed entry).
    if (count <= maxCount && entry.metadataChars * 3 <= maxSize) return true;
    if (count <= maxCount && metadataBytes(entry.metadata) <= maxSize) return true;
    const before = count;
    const trimmed = entry.editMetadata((editable) => trimMetadata(editable, maxCount, maxSize));
    this._diagnostics.countAndWarnOnce('metadataTrimmed', trimmed, `${before} pairs`);
    return true;
  }
}

/** The timestamps Loki accepts at `now`, as (seconds, nanos) bounds, inclusive. */
export interface TimeWindow {
  /** Now, oldest and newest in ns. */
  now: bigint;
  oldest: bigint;
  newest: bigint;
  /** The same as (seconds, nanos), for comparisons without `bigint` arithmetic per record. */
  nowSeconds: number;
  nowNanos: number;
  oldestSeconds: number;
  oldestNanos: number;
  newestSeconds: number;
  newestNanos: number;
}

/** True when (`seconds`, `nanos`) is inside `window`. */
function inWindow(seconds: number, nanos: number, window: TimeWindow): boolean {
  return (
    compareTime(seconds, nanos, window.oldestSeconds, window.oldestNanos) >= 0 &&
    compareTime(seconds, nanos, window.newestSeconds, window.newestNanos) <= 0
  );
}

/** Oldest and newest timestamps Loki accepts at `nowNanos`. */
export function acceptedWindow(limits: ResolvedLimits, nowNanos: bigint): TimeWindow {
  const maxAge = limits.rejectOldSamplesMaxAgeMillis;
  const grace = limits.creationGracePeriodMillis;
  const oldest = Number.isFinite(maxAge)
    ? nowNanos - BigInt(Math.max(0, maxAge - OLD_SAMPLE_SAFETY_MARGIN_MILLIS)) * NANOS_PER_MILLI
    : -(2n ** 63n);
  const newest = Number.isFinite(grace) ? nowNanos + BigInt(grace) * NANOS_PER_MILLI : 2n ** 63n - 1n;
  const [nowSeconds, nowNanosPart] = splitNanos(nowNanos);
  const [oldestSeconds, oldestNanos] = splitNanos(oldest);
  const [newestSeconds, newestNanos] = splitNanos(newest);
  return {
    now: nowNanos,
    oldest,
    newest,
    nowSeconds,
    nowNanos: nowNanosPart,
    oldestSeconds,
    oldestNanos,
    newestSeconds,
    newestNanos,
  };
}

function metadataBytes(pairs: readonly MetadataPair[]): number {
  let bytes = 0;
  for (const pair of pairs) bytes += utf8Length(pair.name) + utf8Length(pair.value);
  return bytes;
}

/**
 * Trims metadata in place to `maxCount` pairs and `maxSize` bytes (names plus values, as
 * Loki counts): record and scope fields are kept first, then attributes in order while they
 * fit; the first attribute that does not fit whole is truncated to what is left. Returns the
 * number of pairs dropped or truncated.
 */
export function trimMetadata(pairs: NamedValue[], maxCount: number, maxSize: number): number {
  let reservedCount = 0;
  let reservedBytes = 0;
  for (const pair of pairs) {
    if (pair.rank === RANK_FIELD || pair.name === ORIGINAL_TIMESTAMP) {
      reservedCount++;
      reservedBytes += utf8Length(pair.name) + utf8Length(pair.value);
    }
  }
  let count = reservedCount;
  let bytes = reservedBytes;
  let changed = 0;
  let write = 0;
  for (const pair of pairs) {
    if (pair.rank === RANK_FIELD || pair.name === ORIGINAL_TIMESTAMP) {
      pairs[write++] = pair;
      continue;
    }
    const size = utf8Length(pair.name) + utf8Length(pair.value);
    if (count < maxCount && bytes + size <= maxSize) {
      pairs[write++] = pair;
      count++;
      bytes += size;
      continue;
    }
    changed++;
    const room = maxSize - bytes - utf8Length(pair.name);
    if (count < maxCount && room > 0) {
      // Pairs may be shared by many entries (resource metadata): replace, never mutate.
      const value = truncateUtf8(pair.value, room);
      pairs[write++] = { name: pair.name, value };
      count++;
      bytes += utf8Length(pair.name) + utf8Length(value);
    }
  }
  pairs.length = write;
  return changed;
}
