/**
 * {@link QueryOptions} of `LokiTestServer.query()` resolved to engine parameters with the
 * defaults of Loki's HTTP API (`pkg/loghttp/params.go`).
 */
import type { QueryOptions, QueryTime } from '../types';
import type { QueryParams } from './engine';

const DEFAULT_LIMIT = 100;
const DEFAULT_SINCE_NANOS = 3600n * 1_000_000_000n;
/** Loki's defaults: `max_query_series` and `max_entries_limit_per_query`. */
export const MAX_QUERY_SERIES = 500;
export const MAX_ENTRIES_LIMIT_PER_QUERY = 5000;

function toNanos(time: QueryTime, name: string): bigint {
  if (typeof time === 'bigint') return time;
  const millis = time instanceof Date ? time.getTime() : time;
  if (!Number.isFinite(millis))
    throw new RangeError(`query(): options.${name} must be a valid time, got ${String(time)}`);
  return BigInt(Math.round(millis * 1000)) * 1000n;
}

/** Resolves options; throws `RangeError` naming the option when one is invalid. */
export function resolveQueryParams(query: string, options: QueryOptions, nowMillis: number): QueryParams {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0) {
    throw new RangeError(`query(): options.limit must be a positive integer, got ${String(options.limit)}`);
  }
  const now = toNanos(nowMillis, 'now');
  const common = {
    query,
    limit,
    direction: options.direction ?? 'backward',
    categorizeLabels: options.categorizeLabels ?? false,
    maxSeries: MAX_QUERY_SERIES,
    maxEntriesLimit: MAX_ENTRIES_LIMIT_PER_QUERY,
  } as const;
  if (options.time !== undefined) {
    const time = toNanos(options.time, 'time');
    return { ...common, instant: true, startNanos: time, endNanos: time, stepNanos: 0n };
  }
  const end = options.end === undefined ? now : toNanos(options.end, 'end');
  const start =
    options.start === undefined ? (end > now ? now : end) - DEFAULT_SINCE_NANOS : toNanos(options.start, 'start');
  if (end < start) throw new RangeError('query(): options.end must not be before options.start');
  let step: bigint;
  if (options.stepMillis === undefined) {
    step = BigInt(Math.max(Math.floor(Number(end - start) / 1e9 / 250), 1)) * 1_000_000_000n;
  } else {
    if (!(options.stepMillis > 0)) {
      throw new RangeError(`query(): options.stepMillis must be positive, got ${String(options.stepMillis)}`);
    }
    step = BigInt(Math.round(options.stepMillis * 1000)) * 1000n;
  }
  return { ...common, instant: false, startNanos: start, endNanos: end, stepNanos: step };
}
