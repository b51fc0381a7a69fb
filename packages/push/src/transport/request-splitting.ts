/**
 * Splitting a send into requests under a size bound, and halving a request that Loki found
 * too large. Sizes are those of the uncompressed protobuf encoding.
 */
import type { PushEntry, PushStream } from '../types';
import { ownEncodingSize, varintSize } from '../wire/entry-encoder';
import { utf8Length } from '#platform/bytes';

/** Bytes of a length-delimited field with a one-byte tag. */
function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** Timestamp message: seconds (≤ 10 bytes varint) and nanos (≤ 5): an upper bound. */
const TIMESTAMP_FIELD_BYTES = fieldSize(1 + 10 + 1 + 5);

/** Protobuf size of one entry inside its stream (the entries field included): exact when encoded, else a bound. */
export function entrySize(entry: PushEntry): number {
  const encoded = ownEncodingSize(entry);
  if (encoded !== undefined) return fieldSize(encoded);
  let size = TIMESTAMP_FIELD_BYTES + fieldSize(utf8Length(entry.line));
  if (entry.metadata) {
    for (const pair of entry.metadata) {
      size += fieldSize(fieldSize(utf8Length(pair.name)) + fieldSize(utf8Length(pair.value)));
    }
  }
  return fieldSize(size);
}

/** Protobuf size of a stream's header (labels), without entries. */
export function streamHeaderSize(labels: string): number {
  // Stream field tag + length varint (≤ 5) + labels field.
  return 1 + 5 + fieldSize(utf8Length(labels));
}

/**
 * Splits streams into requests of at most `maxBytes` each (an entry larger than the bound
 * goes alone). Entry order within a stream is kept; a stream may span requests.
 */
export function splitByBytes(streams: readonly PushStream[], maxBytes: number): PushStream[][] {
  const requests: PushStream[][] = [];
  let current: PushStream[] = [];
  let currentBytes = 0;
  for (const stream of streams) {
    const header = streamHeaderSize(stream.labels);
    let entries: PushEntry[] = [];
    for (const entry of stream.entries) {
      const size = entrySize(entry);
      const extra = size + (entries.length === 0 ? header : 0);
      if (currentBytes + extra > maxBytes && (currentBytes > 0 || entries.length > 0)) {
        if (entries.length > 0) current.push({ labels: stream.labels, entries });
        requests.push(current);
        current = [];
        currentBytes = 0;
        entries = [];
      }
      currentBytes += size + (entries.length === 0 ? header : 0);
      entries.push(entry);
    }
    if (entries.length > 0) current.push({ labels: stream.labels, entries });
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Number of entries in `streams`. */
export function countEntries(streams: readonly PushStream[]): number {
  let count = 0;
  for (const stream of streams) count += stream.entries.length;
  return count;
}

/**
 * Halves a request by entry count, keeping stream order. Returns `undefined` for a request of
 * a single entry, which cannot be split.
 */
export function halve(streams: readonly PushStream[]): [PushStream[], PushStream[]] | undefined {
  const total = countEntries(streams);
  if (total < 2) return undefined;
  const target = Math.ceil(total / 2);
  const first: PushStream[] = [];
  const second: PushStream[] = [];
  let taken = 0;
  for (const stream of streams) {
    const room = target - taken;
    if (room >= stream.entries.length) {
      first.push(stream);
      taken += stream.entries.length;
    } else if (room > 0) {
      first.push({ labels: stream.labels, entries: stream.entries.slice(0, room) });
      second.push({ labels: stream.labels, entries: stream.entries.slice(room) });
      taken = target;
    } else {
      second.push(stream);
    }
  }
  return [first, second];
}
