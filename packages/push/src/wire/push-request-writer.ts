/**
 * The one writer of Loki's `PushRequest` (the client, the exporter and the test server all use
 * it): protobuf straight into one buffer, sizes in a first pass, bytes in a second. It produces
 * the bytes of the protobufjs code generated from `proto/push.proto` (tests check that, and
 * decode with `protoc`) without building message objects. Entries that carry their own
 * encoding ({@link ENTRY_ENCODING}) are copied; the others are encoded here with the same
 * `EntryEncoder`.
 */
import { EntryEncoder, ownEncoding, ownEncodingSize, toProtoTimestamp, varintSize, writeVarint } from './entry-encoder';
import type { PushEntry, PushStream } from '../types';
import { allocBytes, utf8Length, writeUtf8 } from '#platform/bytes';

// Field tags: (field number << 3) | wire type (2 = length-delimited).
const TAG_STREAMS = 0x0a; // PushRequest.streams = 1
const TAG_LABELS = 0x0a; // StreamAdapter.labels = 1
const TAG_ENTRIES = 0x12; // StreamAdapter.entries = 2

/**
 * Encodes the entries that arrive without their own encoding; written over by the next
 * request (each request copies them in).
 */
const encoder = new EntryEncoder();

/** The `EntryAdapter` bytes of an entry that carries no encoding of its own, made now. */
function encodeEntry(entry: PushEntry): Uint8Array {
  const { seconds, nanos } = toProtoTimestamp(entry.timestampNanos);
  encoder.begin(seconds, nanos);
  encoder.line(entry.line);
  if (entry.metadata !== undefined) for (const pair of entry.metadata) encoder.pair(pair.name, pair.value);
  return encoder.end();
}

/** Largest request body kept for reuse by {@link encodePushRequestTransient}; larger ones are allocated each time. */
const MAX_REUSED_BYTES = 1024 * 1024;
/** The buffer {@link encodePushRequestTransient} writes into, grown to the largest request so far (up to the bound). */
let reused: Uint8Array = allocBytes(0);

/** Encodes streams as an uncompressed protobuf `logproto.PushRequest` (compress it with `snappyCompress`). */
export function encodePushRequest(streams: readonly PushStream[]): Uint8Array {
  return writePushRequest(streams, allocBytes);
}

/**
 * {@link encodePushRequest} into a buffer reused from call to call: the bytes are valid only
 * until the next call, for a caller that compresses them at once (one large allocation less
 * per push, and less external memory waiting for a garbage collection).
 */
export function encodePushRequestTransient(streams: readonly PushStream[]): Uint8Array {
  return writePushRequest(streams, (total) => {
    if (total > MAX_REUSED_BYTES) return allocBytes(total);
    if (reused.length < total) reused = allocBytes(Math.min(MAX_REUSED_BYTES, Math.max(total, 2 * reused.length)));
    return reused.subarray(0, total);
  });
}

function writePushRequest(streams: readonly PushStream[], allocate: (total: number) => Uint8Array): Uint8Array {
  // Entry sizes in the first pass (an entry's own encoding is asked for in the second only, so
  // that one view per entry is made); the bytes of entries without one are made then and kept.
  encoder.reset(); // the entries made for the last request were copied into it
  const sizes: number[] = [];
  let made: (Uint8Array | undefined)[] | undefined;
  const streamSizes: number[] = [];
  const labelLengths: number[] = [];
  let total = 0;
  for (const stream of streams) {
    const labelLength = utf8Length(stream.labels);
    let size = labelLength > 0 ? 1 + varintSize(labelLength) + labelLength : 0;
    for (const entry of stream.entries) {
      let bytes = ownEncodingSize(entry);
      if (bytes === undefined) {
        const encoded = encodeEntry(entry);
        made ??= [];
        made[sizes.length] = encoded;
        bytes = encoded.byteLength;
      }
      sizes.push(bytes);
      size += 1 + varintSize(bytes) + bytes;
    }
    streamSizes.push(size);
    labelLengths.push(labelLength);
    total += 1 + varintSize(size) + size;
  }

  const buf = allocate(total);
  let pos = 0;
  let k = 0;
  for (let s = 0; s < streams.length; s++) {
    buf[pos++] = TAG_STREAMS;
    pos = writeVarint(buf, pos, streamSizes[s]);
    if (labelLengths[s] > 0) {
      buf[pos++] = TAG_LABELS;
      pos = writeVarint(buf, pos, labelLengths[s]);
      pos += writeUtf8(buf, pos, streams[s].labels);
    }
    const entries = streams[s].entries;
    for (let e = 0; e < entries.length; e++, k++) {
      const size = sizes[k];
      buf[pos++] = TAG_ENTRIES;
      pos = writeVarint(buf, pos, size);
      const bytes = made?.[k] ?? ownEncoding(entries[e])!;
      if (bytes.byteLength !== size)
        throw new Error(`PushRequest encoder: an entry's encoding is not the ${size} bytes it announced`);
      buf.set(bytes, pos);
      pos += size;
    }
  }
  if (pos !== total) throw new Error(`PushRequest encoder wrote ${pos} bytes, planned ${total}`);
  return buf;
}
