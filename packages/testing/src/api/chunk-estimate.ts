/**
 * What Loki's ingester reports about a stream's unflushed chunk for a time range
 * (`instance.GetStats` / `getVolume`): the share of the chunk's entries and uncompressed bytes
 * that falls in the range, prorated by time (`util.GetFactorOfTime`). A stream here is one
 * chunk, as a stream that lives for less than `max_chunk_age` (2 h) and 1.5 MB is in Loki.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/ingester/instance.go (getStats, getVolume)
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/chunkenc/unordered.go (Append: head block size)
 */
import type { StoredStream } from '../ingest/stored-stream';

/** Bytes a head block counts per structured metadata pair (two 4-byte symbol references). */
const METADATA_PAIR_BYTES = 8;

/** A stream's share of a time range. */
export interface ChunkShare {
  entries: number;
  bytes: number;
}

/** Sizes already computed, valid while the stream holds the same number of entries (entries are only added). */
const SIZE_CACHE = new WeakMap<StoredStream, { entries: number; size: number }>();

/** `MemChunk.UncompressedSize()` of one head chunk holding every entry of `stream`. */
export function uncompressedSize(stream: StoredStream): number {
  const cached = SIZE_CACHE.get(stream);
  if (cached !== undefined && cached.entries === stream.entries.length) return cached.size;
  let size = 0;
  const symbols = new Set<string>();
  for (const entry of stream.entries) {
    size += Buffer.byteLength(entry.line) + METADATA_PAIR_BYTES * entry.metadata.length;
    for (const { name, value } of entry.metadata) {
      symbols.add(name);
      symbols.add(value);
    }
  }
  for (const symbol of symbols) size += Buffer.byteLength(symbol);
  SIZE_CACHE.set(stream, { entries: stream.entries.length, size });
  return size;
}

/** `util.GetFactorOfTime`. */
function factorOfTime(from: bigint, through: bigint, minTime: bigint, maxTime: bigint): number {
  if (from > maxTime || through < minTime) return 0;
  if (minTime === maxTime) return 1;
  const total = maxTime - minTime;
  const leading = from > minTime ? from - minTime : 0n;
  const trailing = maxTime > through ? maxTime - through : 0n;
  return Number(total - (leading + trailing)) / Number(total);
}

/** `shouldConsiderStream`: the stream's bounds meet `[from, through]`. */
export function streamConsidered(stream: StoredStream, from: bigint, through: bigint): boolean {
  const { entries } = stream;
  if (entries.length === 0) return false;
  return through > entries[0].timestampNanos && from <= entries[entries.length - 1].timestampNanos;
}

/**
 * The stream's share of `[from, through]` (nanoseconds, millisecond-aligned as Loki's
 * `model.Time`), or `undefined` when its chunk does not overlap the range.
 */
export function chunkShare(stream: StoredStream, from: bigint, through: bigint): ChunkShare | undefined {
  const { entries } = stream;
  if (!streamConsidered(stream, from, through)) return undefined;
  const chunkFrom = entries[0].timestampNanos;
  const chunkThrough = entries[entries.length - 1].timestampNanos;
  // The chunk's own overlap check is strict on both sides.
  if (!(from < chunkThrough && through > chunkFrom)) return undefined;
  const factor = factorOfTime(from, through, chunkFrom, chunkThrough);
  return {
    entries: Math.trunc(factor * entries.length),
    bytes: Math.trunc(factor * uncompressedSize(stream)),
  };
}
