/**
 * The retry buffer: streams waiting to be (re)sent to Loki, oldest first, bounded in bytes.
 * A plain data structure (no I/O, no timers): `buffered-sender.ts` drives it.
 *
 * Sizes are estimates of what a push carries before compression: the characters of lines,
 * label strings and metadata, plus {@link ENTRY_OVERHEAD_BYTES} per entry. Counting them
 * exactly (UTF-8) would cost a pass over every string on the export path; for ASCII logs the
 * two are equal.
 */
import type { PushEntry, PushStream } from '@otel-loki/push';
import { LokiEntry } from '../mapping/loki-entry';
import { entryTimeSpan } from './entry-times';

/** Per-entry bytes beside line and metadata: timestamp and protobuf framing, roughly. */
export const ENTRY_OVERHEAD_BYTES = 16;

/** What happened to a chunk, told once to the export that buffered it. */
export type ChunkOutcome =
  | { kind: 'delivered' }
  /** A retryable failure: the data stays buffered and will be sent again. */
  | { kind: 'retained' }
  /** Loki refused it for good (400, 401, 413...) or the client could not send it. */
  | { kind: 'refused'; error: Error }
  /** Pushed out of the full buffer, too old for Loki by now, or left at shutdown. */
  | { kind: 'dropped' };

/** The streams of one tenant from one export (or what is left of them after a failure). */
export interface BufferedChunk {
  readonly tenant: string | undefined;
  streams: PushStream[];
  entries: number;
  bytes: number;
  /** Smallest timestamp in the chunk, to find expired entries without a scan. */
  oldestNanos: bigint;
  /** Told the chunk's first outcome, then cleared. */
  settle?: (outcome: ChunkOutcome) => void;
}

/**
 * Builds a chunk, measuring its size. The exporter's own entries are measured from what they
 * already know (line length, metadata characters): no metadata walk per entry; other entries
 * are read field by field.
 */
export function makeChunk(
  tenant: string | undefined,
  streams: PushStream[],
  settle?: (outcome: ChunkOutcome) => void
): BufferedChunk {
  let entries = 0;
  let bytes = 0;
  for (const stream of streams) {
    bytes += stream.labels.length;
    for (const entry of stream.entries) {
      entries++;
      if (entry instanceof LokiEntry) {
        bytes += entry.line.length + entry.metadataChars + ENTRY_OVERHEAD_BYTES;
        continue;
      }
      bytes += entry.line.length + ENTRY_OVERHEAD_BYTES;
      if (entry.metadata !== undefined)
        for (const pair of entry.metadata) bytes += pair.name.length + pair.value.length;
    }
  }
  return { tenant, streams, entries, bytes, oldestNanos: entryTimeSpan(streams)?.oldest ?? 0n, settle };
}

/** Tells a chunk its first outcome, once. */
export function settleChunk(chunk: BufferedChunk, outcome: ChunkOutcome): void {
  const settle = chunk.settle;
  chunk.settle = undefined;
  settle?.(outcome);
}

/**
 * Gives the buffers of the exporter's own entries in `chunks` back to the mapping's encoder
 * (`LokiEntry.release`), but those of `kept` (sent again later): only for entries nothing
 * will read again.
 */
export function releaseEntries(chunks: readonly BufferedChunk[], kept?: readonly PushStream[]): void {
  let keep: Set<PushEntry> | undefined;
  if (kept !== undefined && kept.length > 0) {
    keep = new Set();
    for (const stream of kept) for (const entry of stream.entries) keep.add(entry);
  }
  for (const chunk of chunks) {
    for (const stream of chunk.streams) {
      for (const entry of stream.entries) if (entry instanceof LokiEntry && keep?.has(entry) !== true) entry.release();
    }
  }
}

/** Removes entries older than `oldestNanos` from a chunk; returns how many were removed. */
export function expireEntries(chunk: BufferedChunk, oldestNanos: bigint): number {
  if (chunk.oldestNanos >= oldestNanos) return 0;
  const kept: PushStream[] = [];
  let removed = 0;
  for (const stream of chunk.streams) {
    const entries = stream.entries.filter((e) => e.timestampNanos >= oldestNanos);
    removed += stream.entries.length - entries.length;
    if (entries.length > 0)
      kept.push(entries.length === stream.entries.length ? stream : { labels: stream.labels, entries });
  }
  if (removed > 0) {
    const remeasured = makeChunk(chunk.tenant, kept);
    chunk.streams = kept;
    chunk.entries = remeasured.entries;
    chunk.bytes = remeasured.bytes;
    chunk.oldestNanos = remeasured.oldestNanos;
  }
  return removed;
}

/** Chunks waiting to be sent, oldest first, at most `maxBytes` of them. */
export class RetryBuffer {
  private _chunks: BufferedChunk[] = [];
  private _head = 0;
  private _bytes = 0;
  private _entries = 0;

  constructor(private readonly _maxBytes: number) {}

  /** Estimated bytes waiting. */
  get bytes(): number {
    return this._bytes;
  }

  /** Entries waiting. */
  get entries(): number {
    return this._entries;
  }

  /** True when nothing waits. */
  get isEmpty(): boolean {
    return this._head === this._chunks.length;
  }

  /**
   * Adds a chunk behind the others, then drops the oldest chunks while over the bound (never
   * the last one: a chunk alone larger than the bound is kept). Returns the dropped chunks.
   */
  append(chunk: BufferedChunk): BufferedChunk[] {
    this._chunks.push(chunk);
    this._add(chunk);
    return this._evict();
  }

  /**
   * Puts the undelivered part of a group back in front: it is older than anything waiting.
   * Returns the chunks dropped to stay within the bound (oldest first, so possibly it).
   */
  requeue(chunk: BufferedChunk): BufferedChunk[] {
    if (this._head > 0) this._chunks[--this._head] = chunk;
    else this._chunks.unshift(chunk);
    this._add(chunk);
    return this._evict();
  }

  /**
   * Takes the next group to send: the oldest chunk and the chunks right behind it with the
   * same tenant, while they fit in `maxBytes` (the first one always).
   */
  take(maxBytes: number): BufferedChunk[] | undefined {
    if (this.isEmpty) return undefined;
    const first = this._shift();
    const group = [first];
    let bytes = first.bytes;
    while (!this.isEmpty) {
      const next = this._chunks[this._head];
      if (next.tenant !== first.tenant || bytes + next.bytes > maxBytes) break;
      group.push(this._shift());
      bytes += next.bytes;
    }
    return group;
  }

  /** Removes and returns every waiting chunk. */
  clear(): BufferedChunk[] {
    const all = this._chunks.slice(this._head);
    this._chunks = [];
    this._head = 0;
    this._bytes = 0;
    this._entries = 0;
    return all;
  }

  private _add(chunk: BufferedChunk): void {
    this._bytes += chunk.bytes;
    this._entries += chunk.entries;
  }

  private _shift(): BufferedChunk {
    const chunk = this._chunks[this._head];
    this._chunks[this._head++] = undefined as unknown as BufferedChunk;
    this._bytes -= chunk.bytes;
    this._entries -= chunk.entries;
    // Compact once the consumed prefix dominates, so that the array does not grow forever.
    if (this._head > 1024 && this._head * 2 > this._chunks.length) {
      this._chunks = this._chunks.slice(this._head);
      this._head = 0;
    }
    return chunk;
  }

  private _evict(): BufferedChunk[] {
    const dropped: BufferedChunk[] = [];
    // Bounded: every pass removes one chunk. The last one stays, so that an export larger
    // than the whole bound is still sent once.
    while (this._bytes > this._maxBytes && this._chunks.length - this._head > 1) dropped.push(this._shift());
    return dropped;
  }
}
