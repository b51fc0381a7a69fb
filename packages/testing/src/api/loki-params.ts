/**
 * Request parameters of Loki's metadata endpoints, parsed as `pkg/loghttp/params.go` parses
 * them, and the JSON answer helpers they share.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loghttp/params.go
 */
import type { HttpAnswer } from '../internal-types';

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
/** `determineBounds`: the default window before `end`. */
const DEFAULT_SINCE_NANOS = 3600n * NANOS_PER_SECOND;
/** Content type of Loki's JSON answers (jsoniter streams, `w.Header().Set`). */
export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** A 400 with Loki's text. */
export class BadRequest extends Error {}

/**
 * A JSON answer, written as Loki's encoders write it: with a trailing newline (jsoniter streams,
 * `json.NewEncoder`), or without one (`json.Marshal`, as for Prometheus-shaped answers).
 */
export function jsonAnswer(
  data: unknown,
  status = 200,
  contentType = JSON_CONTENT_TYPE,
  trailingNewline = true
): HttpAnswer {
  const body = JSON.stringify(data) + (trailingNewline ? '\n' : '');
  return { status, body, headers: { 'content-type': contentType } };
}

function goParseIntError(value: string): string {
  return `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`;
}

/** `parseTimestamp`: RFC 3339, fractional seconds, seconds (<= 10 digits) or nanoseconds. */
export function parseTimestamp(value: string | null, fallback: bigint, name: string): bigint {
  if (value === null || value === '') return fallback;
  if (/^-?\d+\.\d*$/.test(value)) {
    const [seconds, fraction] = value.split('.');
    const nanos = BigInt((fraction || '0').padEnd(9, '0').slice(0, 9));
    return BigInt(seconds) * NANOS_PER_SECOND + (value.startsWith('-') ? -nanos : nanos);
  }
  if (/^-?\d+$/.test(value)) {
    return value.replace('-', '').length <= 10 ? BigInt(value) * NANOS_PER_SECOND : BigInt(value);
  }
  const millis = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(millis)) {
    const fraction = /\.(\d+)/.exec(value)?.[1] ?? '';
    return BigInt(Math.floor(millis / 1000)) * NANOS_PER_SECOND + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0');
  }
  throw new BadRequest(`could not parse '${name}' parameter: ${goParseIntError(value)}`);
}

const DURATION_UNITS_NANOS: Record<string, bigint> = {
  ms: NANOS_PER_MILLI,
  s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
  d: 86_400n * NANOS_PER_SECOND,
  w: 604_800n * NANOS_PER_SECOND,
  y: 31_536_000n * NANOS_PER_SECOND,
};

/** Prometheus' `model.ParseDuration` (`1h30m`, `15s`, `2d`), in nanoseconds; `undefined` if not one. */
export function parsePromDuration(value: string): bigint | undefined {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(value)) return undefined;
  let total = 0n;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += BigInt(n) * DURATION_UNITS_NANOS[unit];
  return total;
}

/** Request bounds in nanoseconds. */
export interface Bounds {
  start: bigint;
  end: bigint;
}

/** `bounds` / `determineBounds`: `end` defaults to now, `start` to `end` (or now, if earlier) minus `since` (1h). */
export function parseBounds(params: URLSearchParams, nowMillis: number): Bounds {
  const now = BigInt(nowMillis) * NANOS_PER_MILLI;
  let since = DEFAULT_SINCE_NANOS;
  const sinceParam = params.get('since');
  if (sinceParam) {
    const parsed = parsePromDuration(sinceParam);
    if (parsed === undefined)
      throw new BadRequest(
        `could not parse 'since' parameter: not a valid duration string: ${JSON.stringify(sinceParam)}`
      );
    since = parsed;
  }
  const end = parseTimestamp(params.get('end'), now, 'end');
  const endOrNow = end > now ? now : end;
  const start = parseTimestamp(params.get('start'), endOrNow - since, 'start');
  return { start, end };
}

/** `parseBounds`, refusing an end before the start as Loki does. */
export function parseOrderedBounds(params: URLSearchParams, nowMillis: number): Bounds {
  const bounds = parseBounds(params, nowMillis);
  if (bounds.end < bounds.start) throw new BadRequest('end timestamp must not be before or equal to start time');
  return bounds;
}

/** `parseInt` with a default: Go's `strconv.Atoi`. */
export function parseIntParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^[+-]?\d+$/.test(raw)) throw new BadRequest(`strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

/** `step`: seconds (float) or a Prometheus duration; the default is `max(floor(range / 250 s), 1 s)`. In nanoseconds. */
export function parseStep(params: URLSearchParams, bounds: Bounds): bigint {
  const raw = params.get('step');
  if (raw === null || raw === '') {
    const seconds = (bounds.end - bounds.start) / NANOS_PER_SECOND / 250n;
    return (seconds > 1n ? seconds : 1n) * NANOS_PER_SECOND;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return BigInt(Math.round(Number(raw) * 1e9));
  const duration = parsePromDuration(raw);
  if (duration === undefined) throw new BadRequest(`cannot parse ${JSON.stringify(raw)} to a valid duration`);
  return duration;
}

/** Most points of one series a metadata query (volume_range, detected_fields) may ask for. */
const MAX_POINTS = 11_000n;

/** Loki's checks of a metadata query's `step` against its range (`ParseVolumeRangeQuery`'s wording). */
export function checkStep(step: bigint, bounds: Bounds): void {
  if (step <= 0n)
    throw new BadRequest('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((bounds.end - bounds.start) / step > MAX_POINTS)
    throw new BadRequest(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'
    );
}

/** Truncates nanoseconds to whole seconds (`model.TimeFromUnix(t.Unix())`), as nanoseconds. */
export function truncateToSeconds(nanos: bigint): bigint {
  const rem = nanos % NANOS_PER_SECOND;
  return nanos - (rem < 0n ? rem + NANOS_PER_SECOND : rem);
}

/** Truncates nanoseconds to milliseconds (`model.Time`), as nanoseconds. */
export function truncateToMillis(nanos: bigint): bigint {
  const rem = nanos % NANOS_PER_MILLI;
  return nanos - (rem < 0n ? rem + NANOS_PER_MILLI : rem);
}

/** `util.SplitGap`: the gap between adjacent metadata splits. */
const SPLIT_GAP_NANOS = NANOS_PER_MILLI;

/**
 * `util.ForInterval` with `endTimeInclusive`: `[start, end]` cut at multiples of `interval`
 * (since the epoch), each piece but the last ending 1 ms before the next begins.
 */
export function forInterval(interval: bigint, start: bigint, end: bigint): Array<[bigint, bigint]> {
  if (interval <= 0n) return [[start, end]];
  const pieces: Array<[bigint, bigint]> = [];
  let first = true;
  for (let s = start - (start % interval); s < end; s += interval) {
    let pieceEnd = s + interval;
    if (pieceEnd >= end) pieceEnd = end;
    else pieceEnd -= SPLIT_GAP_NANOS;
    pieces.push([first ? start : s, pieceEnd]);
    first = false;
  }
  return pieces;
}
