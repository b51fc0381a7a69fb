/**
 * Go's formatting of times, so that messages read exactly as Loki writes them. Loki runs in
 * UTC in its images; times are formatted in UTC. (Go's quoting of strings and runes is
 * `@otel-loki/push`'s: `goQuote`, `goQuoteRune`, `goRuneVerb`.)
 */
import { toProtoTimestamp } from '@otel-loki/push/internal';

const NANOS_PER_MILLI = 1_000_000n;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function splitNanos(nanos: bigint): { date: Date; fraction: bigint } {
  const { seconds, nanos: fraction } = toProtoTimestamp(nanos);
  return { date: new Date(seconds * 1000), fraction: BigInt(fraction) };
}

function datePart(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

function clockPart(date: Date): string {
  return `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
}

/** Go's `t.Format(time.RFC3339)` in UTC: `2024-05-01T10:00:00Z` (no fraction). */
export function formatRfc3339(nanos: bigint): string {
  const { date } = splitNanos(nanos);
  return `${datePart(date)}T${clockPart(date)}Z`;
}

/** Go's `t.String()` in UTC: `2024-05-01 10:00:00.5 +0000 UTC` (fraction without trailing zeros). */
export function formatGoTime(nanos: bigint): string {
  const { date, fraction } = splitNanos(nanos);
  const digits = fraction === 0n ? '' : '.' + fraction.toString().padStart(9, '0').replace(/0+$/, '');
  return `${datePart(date)} ${clockPart(date)}${digits} +0000 UTC`;
}

/** Milliseconds to nanoseconds. */
export function millisToNanos(millis: number): bigint {
  return BigInt(Math.trunc(millis)) * NANOS_PER_MILLI;
}
