/**
 * Exact nanosecond timestamps: parsing what users pass (never through a float) and an
 * automatic clock that is nanosecond-resolution and strictly increasing within the process.
 */
import type { TimestampInput } from '../types';
import { CLOCK_ADVANCES_WHILE_RUNNING, monotonicNanos } from '#platform/clock';

const NANOS_PER_MILLI = 1_000_000n;
/** How far the monotonic clock may drift from the wall clock before it is re-anchored. */
const MAX_CLOCK_DRIFT_NANOS = 1_000_000n;
const DECIMAL_NANOS = /^-?\d{1,30}$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const MILLIS_PER_MINUTE = 60_000;
const MILLIS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Longest the anchor waits for the next millisecond tick of the wall clock. */
const MAX_ANCHOR_SPIN_NANOS = 2_000_000n;

let anchorWallNanos = 0n;
let anchorHrNanos = 0n;
let lastNanos = 0n;

/**
 * Anchors the monotonic clock to the wall clock at the start of a millisecond, so the result
 * is within microseconds of the true time rather than up to 1 ms behind.
 */
function anchor(): void {
  const start = Date.now();
  const spinStart = monotonicNanos();
  let wall = start;
  // Bounded: at most MAX_ANCHOR_SPIN_NANOS of spinning, and none where the clocks stand still.
  while (CLOCK_ADVANCES_WHILE_RUNNING && wall === start && monotonicNanos() - spinStart < MAX_ANCHOR_SPIN_NANOS) {
    wall = Date.now();
  }
  anchorHrNanos = monotonicNanos();
  anchorWallNanos = BigInt(wall) * NANOS_PER_MILLI;
}
anchor();

/**
 * Now, in nanoseconds since the epoch: the wall clock refined by the monotonic clock, and
 * strictly greater than any value returned before in this process, so two entries logged in
 * the same millisecond keep their order and never collide in Loki.
 */
export function nowNanos(): bigint {
  const wall = BigInt(Date.now()) * NANOS_PER_MILLI;
  let now = anchorWallNanos + (monotonicNanos() - anchorHrNanos);
  const drift = now - wall;
  if (drift > MAX_CLOCK_DRIFT_NANOS || drift < 0n) {
    // The wall clock was stepped (NTP, suspend) or drifted: follow it.
    anchor();
    now = anchorWallNanos + (monotonicNanos() - anchorHrNanos);
  }
  lastNanos = now > lastNanos ? now : lastNanos + 1n;
  return lastNanos;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The default time zone, known without `Intl`: a `DateTimeFormat` loads the runtime's time
 * zone data (about 4.6 MB of the Node binary made resident on Node 20), which a client that never reads a
 * wall-clock time in another zone should not pay for.
 */
const UTC = 'UTC';

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks that `timeZone` is an IANA time zone name the runtime knows.
 *
 * @throws {RangeError} naming the field when it is not.
 */
export function validateTimezone(timeZone: unknown, field = 'timezone'): string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new TypeError(`${field}: expected an IANA time zone name such as 'Europe/Paris', got ${String(timeZone)}`);
  }
  if (timeZone === UTC) return timeZone;
  try {
    formatterFor(timeZone);
  } catch {
    throw new RangeError(
      `${field}: unknown time zone ${JSON.stringify(timeZone)}; expected an IANA name such as 'Europe/Paris'`
    );
  }
  return timeZone;
}

/** Offset of `timeZone` from UTC at the instant `utcMillis`, in ms (east positive). */
function offsetMillisAt(timeZone: string, utcMillis: number): number {
  if (timeZone === UTC) return 0;
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMillis));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const wall = utcFromFields(year, get('month'), get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMillis / 1000) * 1000;
}

function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * The UTC instant of a wall-clock time in `timeZone`, with the disambiguation of Temporal's
 * `'compatible'` (and of most schedulers): a time that occurs twice (clocks set back) is the
 * earlier one; a time that does not exist (clocks set forward) is moved forward by the gap.
 */
export function zonedWallTimeToUtcMillis(timeZone: string, wallMillis: number): number {
  const before = offsetMillisAt(timeZone, wallMillis - MILLIS_PER_DAY);
  const after = offsetMillisAt(timeZone, wallMillis + MILLIS_PER_DAY);
  const candidates: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const utc = wallMillis - offset;
    if (offsetMillisAt(timeZone, utc) === offset) candidates.push(utc);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  return wallMillis - before;
}

function parseIso(text: string, timeZone: string, field: string): bigint | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const monthDays = month === 2 ? (isLeap(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    throw new RangeError(`${field}: ${JSON.stringify(text)} is not a valid date-time (field out of range)`);
  }
  const wallMillis = utcFromFields(year, month, day, hour, minute, second);
  let utcMillis: number;
  if (zone === undefined) {
    utcMillis = zonedWallTimeToUtcMillis(timeZone, wallMillis);
  } else if (zone === 'Z' || zone === 'z') {
    utcMillis = wallMillis;
  } else {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offsetHours > 23 || offsetMinutes > 59) {
      throw new RangeError(`${field}: ${JSON.stringify(text)} has an invalid UTC offset`);
    }
    utcMillis = wallMillis - sign * (offsetHours * 60 + offsetMinutes) * MILLIS_PER_MINUTE;
  }
  return BigInt(utcMillis) * NANOS_PER_MILLI + BigInt(fraction.padEnd(9, '0'));
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Converts a user timestamp to nanoseconds since the epoch, exactly.
 *
 * @param input a decimal ns string, a bigint, a `Date`, or an ISO-8601 date-time (with an
 *   offset, or local and read in `timeZone`).
 * @param timeZone IANA zone for local date-times (already validated).
 * @param field the argument's name for error messages, e.g. `entries[3].timestamp`.
 * @throws {TypeError|RangeError} naming `field` when the input cannot be read.
 */
export function toNanos(input: TimestampInput, timeZone: string, field: string): bigint {
  if (typeof input === 'bigint') return input;
  if (input instanceof Date) {
    const millis = input.getTime();
    if (Number.isNaN(millis)) throw new RangeError(`${field}: invalid Date`);
    return BigInt(millis) * NANOS_PER_MILLI;
  }
  if (typeof input === 'string') {
    const text = input.trim();
    if (DECIMAL_NANOS.test(text)) return BigInt(text);
    const nanos = parseIso(text, timeZone, field);
    if (nanos !== undefined) return nanos;
    throw new RangeError(
      `${field}: cannot read timestamp ${JSON.stringify(input.slice(0, 64))}; expected nanoseconds since the epoch as a decimal string, or an ISO-8601 date-time`
    );
  }
  if (typeof input === 'number') {
    throw new TypeError(
      `${field}: a number cannot hold a nanosecond timestamp exactly; pass a bigint, a decimal string of nanoseconds, or a Date`
    );
  }
  throw new TypeError(`${field}: expected a string, bigint or Date, got ${input === null ? 'null' : typeof input}`);
}
