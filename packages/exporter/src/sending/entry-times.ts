/**
 * The time span of the entries of some streams, for the retry buffer and the spool (which
 * expire what Loki would refuse as too old). The exporter's own entries are compared as
 * (seconds, nanos) numbers and converted once; other entries are read as `timestampNanos`.
 */
import type { PushStream } from '@otel-loki/push';
import { LokiEntry } from '../mapping/loki-entry';
import { timeToNanos } from '../mapping/timestamps';

/** Oldest and newest timestamps (ns since the epoch) of the entries of `streams`; `undefined` when there are none. */
export function entryTimeSpan(streams: readonly PushStream[]): { oldest: bigint; newest: bigint } | undefined {
  let oldestSeconds = Infinity;
  let oldestNanos = 0;
  let newestSeconds = -Infinity;
  let newestNanos = 0;
  let oldestOther: bigint | undefined;
  let newestOther: bigint | undefined;
  for (const stream of streams) {
    for (const entry of stream.entries) {
      if (entry instanceof LokiEntry) {
        const seconds = entry.seconds;
        const nanos = entry.nanos;
        if (seconds < oldestSeconds || (seconds === oldestSeconds && nanos < oldestNanos)) {
          oldestSeconds = seconds;
          oldestNanos = nanos;
        }
        if (seconds > newestSeconds || (seconds === newestSeconds && nanos > newestNanos)) {
          newestSeconds = seconds;
          newestNanos = nanos;
        }
        continue;
      }
      const ts = entry.timestampNanos;
      if (oldestOther === undefined || ts < oldestOther) oldestOther = ts;
      if (newestOther === undefined || ts > newestOther) newestOther = ts;
    }
  }
  let oldest = oldestOther;
  let newest = newestOther;
  if (oldestSeconds !== Infinity) {
    const own = timeToNanos(oldestSeconds, oldestNanos);
    if (oldest === undefined || own < oldest) oldest = own;
    const ownNewest = timeToNanos(newestSeconds, newestNanos);
    if (newest === undefined || ownNewest > newest) newest = ownNewest;
  }
  return oldest === undefined || newest === undefined ? undefined : { oldest, newest };
}
