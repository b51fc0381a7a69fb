/**
 * Timestamps as the exporter handles them: (seconds, nanos) in two numbers, 0 ≤ nanos < 1e9,
 * so that no `bigint` arithmetic runs per record; converted from OTel's `HrTime` once, written
 * as decimal nanoseconds where Loki writes one in metadata.
 */
import { toProtoTimestamp } from '@otel-loki/push/internal';

const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_SECOND_BIG = 1_000_000_000n;

/** Compares two timestamps given as (seconds, nanos). */
export function compareTime(s1: number, n1: number, s2: number, n2: number): number {
  return s1 !== s2 ? (s1 < s2 ? -1 : 1) : n1 < n2 ? -1 : n1 > n2 ? 1 : 0;
}

/**
 * `HrTime` ([seconds, nanoseconds], nanoseconds possibly ≥ 1e9 or negative) normalized to
 * (seconds, 0 ≤ nanos < 1e9); [NaN, NaN] when it holds no time (NaN or infinite parts).
 */
export function splitHrTime(hrTime: readonly [number, number]): [number, number] {
  const seconds = Math.trunc(hrTime[0]);
  const nanos = Math.trunc(hrTime[1]);
  if (nanos >= 0 && nanos < NANOS_PER_SECOND) return [seconds, nanos];
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return [NaN, NaN];
  const split = toProtoTimestamp(BigInt(seconds) * NANOS_PER_SECOND_BIG + BigInt(nanos));
  return [split.seconds, split.nanos];
}

/** Nanoseconds since the epoch as (seconds, 0 ≤ nanos < 1e9). */
export function splitNanos(nanos: bigint): [number, number] {
  const split = toProtoTimestamp(nanos);
  return [split.seconds, split.nanos];
}

/** (seconds, nanos) as nanoseconds since the epoch. */
export function timeToNanos(seconds: number, nanos: number): bigint {
  return BigInt(seconds) * NANOS_PER_SECOND_BIG + BigInt(nanos);
}

/** (seconds, nanos) as a decimal string of nanoseconds, as Loki writes timestamps in metadata. */
export function timeToDecimal(seconds: number, nanos: number): string {
  if (seconds > 0 && Number.isSafeInteger(seconds)) return `${seconds}${String(nanos).padStart(9, '0')}`;
  return timeToNanos(seconds, nanos).toString();
}

/** `HrTime` as a decimal string of nanoseconds, as Loki writes `observed_timestamp`. */
export function hrTimeToDecimal(hrTime: readonly [number, number]): string {
  const [seconds, nanos] = splitHrTime(hrTime);
  return timeToDecimal(seconds, nanos);
}

/** True when an `HrTime` holds a time: not zero, and not NaN or infinite (then it counts as unset). */
export function isTimeSet(hrTime: readonly [number, number]): boolean {
  return (hrTime[0] !== 0 || hrTime[1] !== 0) && Number.isFinite(hrTime[0]) && Number.isFinite(hrTime[1]);
}

/**
 * The time Loki gives a record's entry: the record's time, else its observed time;
 * `undefined` when neither is set (Loki then takes the time of arrival).
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (timestampFromLogRecord)
 */
export function entryHrTime(record: {
  readonly hrTime: readonly [number, number];
  readonly hrTimeObserved: readonly [number, number];
}): readonly [number, number] | undefined {
  if (isTimeSet(record.hrTime)) return record.hrTime;
  if (isTimeSet(record.hrTimeObserved)) return record.hrTimeObserved;
  return undefined;
}
