/**
 * A hand-written encoder of Loki's `PushRequest`, writing protobuf straight into one buffer:
 * sizes in a first pass, bytes in a second. It produces the same bytes as the protobufjs code
 * generated from `proto/push.proto` (a test checks that) at a fraction of the cost, because
 * it builds no message objects. Entries encoded by their producer (`entry-encoder.ts`) are
 * only copied.
 */
import { varintSize, writeInt64, writeVarint } from './entry-encoder';
import type { PushEntry, PushStream } from './types';

const NANOS_PER_SECOND = 1_000_000_000n;
// Field tags: (field number << 3) | wire type (2 = length-delimited, 0 = varint).
const TAG_STREAMS = 0x0a; // PushRequest.streams = 1
const TAG_LABELS = 0x0a; // StreamAdapter.labels = 1
const TAG_ENTRIES = 0x12; // StreamAdapter.entries = 2
const TAG_TIMESTAMP = 0x0a; // EntryAdapter.timestamp = 1
const TAG_LINE = 0x12; // EntryAdapter.line = 2
const TAG_METADATA = 0x1a; // EntryAdapter.structuredMetadata = 3
const TAG_NAME = 0x0a; // LabelPairAdapter.name = 1
const TAG_VALUE = 0x12; // LabelPairAdapter.value = 2
const TAG_SECONDS = 0x08; // Timestamp.seconds = 1
const TAG_NANOS = 0x10; // Timestamp.nanos = 2

/** Bytes of an int64 varint (negative values take 10 bytes, as in protobuf). */
function int64Size(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

/** Below this many UTF-16 units, a JavaScript loop beats a call into native code. */
const SHORT_STRING = 64;

function utf8Length(s: string): number {
  const length = s.length;
  if (length > SHORT_STRING) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return length;
}

/** Writes `s`, whose UTF-8 length is `bytes`, at `pos`; returns the new position. */
function writeString(buf: Buffer, pos: number, s: string, bytes: number): number {
  if (bytes === s.length && bytes <= SHORT_STRING) {
    // ASCII only (length equals UTF-8 length): copy code units.
    for (let i = 0; i < bytes; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + bytes;
  }
  return pos + buf.write(s, pos, bytes, 'utf8');
}

interface EntryPlan {
  seconds: number;
  nanos: number;
  timestampSize: number;
  lineLength: number;
  metadataSizes: number[] | undefined;
  size: number;
}

function planEntry(entry: PushEntry): EntryPlan {
  const ts = entry.timestampNanos;
  let secondsBig = ts / NANOS_PER_SECOND;
  let nanosBig = ts - secondsBig * NANOS_PER_SECOND;
  if (nanosBig < 0n) {
    secondsBig -= 1n;
    nanosBig += NANOS_PER_SECOND;
  }
  const seconds = Number(secondsBig);
  const nanos = Number(nanosBig);
  const timestampSize = (seconds !== 0 ? 1 + int64Size(seconds) : 0) + (nanos !== 0 ? 1 + varintSize(nanos) : 0);
  const lineLength = utf8Length(entry.line);
  let size = 1 + varintSize(timestampSize) + timestampSize;
  if (lineLength > 0) size += 1 + varintSize(lineLength) + lineLength;
  let metadataSizes: number[] | undefined;
  if (entry.metadata !== undefined && entry.metadata.length > 0) {
    metadataSizes = [];
    for (const pair of entry.metadata) {
      const n = utf8Length(pair.name);
      const v = utf8Length(pair.value);
      const pairSize = (n > 0 ? 1 + varintSize(n) + n : 0) + (v > 0 ? 1 + varintSize(v) + v : 0);
      metadataSizes.push(n, v, pairSize);
      size += 1 + varintSize(pairSize) + pairSize;
    }
  }
  return { seconds, nanos, timestampSize, lineLength, metadataSizes, size };
}

/**
 * Encodes streams as an uncompressed protobuf `logproto.PushRequest`. Entries that carry their
 * own encoding (`PushEntry.encoded`) are copied as they are.
 */
export function writePushRequest(streams: readonly PushStream[]): Buffer {
  // Per entry in order: its message size, and its plan when it must be encoded here.
  const sizes: number[] = [];
  const plans: (EntryPlan | undefined)[] = [];
  const streamSizes: number[] = [];
  const labelLengths: number[] = [];
  let total = 0;
  for (const stream of streams) {
    const labelLength = utf8Length(stream.labels);
    let size = labelLength > 0 ? 1 + varintSize(labelLength) + labelLength : 0;
    const entries = stream.entries;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e];
      const encoded = entry.encoded;
      let entrySize: number;
      if (encoded !== undefined) {
        entrySize = encoded.byteLength;
        plans.push(undefined);
      } else {
        const plan = planEntry(entry);
        entrySize = plan.size;
        plans.push(plan);
      }
      sizes.push(entrySize);
      size += 1 + varintSize(entrySize) + entrySize;
    }
    streamSizes.push(size);
    labelLengths.push(labelLength);
    total += 1 + varintSize(size) + size;
  }

  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  let k = 0;
  for (let s = 0; s < streams.length; s++) {
    const stream = streams[s];
    buf[pos++] = TAG_STREAMS;
    pos = writeVarint(buf, pos, streamSizes[s]);
    if (labelLengths[s] > 0) {
      buf[pos++] = TAG_LABELS;
      pos = writeVarint(buf, pos, labelLengths[s]);
      pos = writeString(buf, pos, stream.labels, labelLengths[s]);
    }
    const entries = stream.entries;
    for (let e = 0; e < entries.length; e++, k++) {
      const entry = entries[e];
      buf[pos++] = TAG_ENTRIES;
      pos = writeVarint(buf, pos, sizes[k]);
      const plan = plans[k];
      if (plan === undefined) {
        buf.set(entry.encoded!, pos);
        pos += sizes[k];
      } else {
        pos = writeEntry(buf, pos, entry, plan);
      }
    }
  }
  if (pos !== total) throw new Error(`PushRequest encoder wrote ${pos} bytes, planned ${total}`);
  return buf;
}

function writeEntry(buf: Buffer, pos: number, entry: PushEntry, plan: EntryPlan): number {
  buf[pos++] = TAG_TIMESTAMP;
  pos = writeVarint(buf, pos, plan.timestampSize);
  if (plan.seconds !== 0) {
    buf[pos++] = TAG_SECONDS;
    pos = writeInt64(buf, pos, plan.seconds);
  }
  if (plan.nanos !== 0) {
    buf[pos++] = TAG_NANOS;
    pos = writeVarint(buf, pos, plan.nanos);
  }
  if (plan.lineLength > 0) {
    buf[pos++] = TAG_LINE;
    pos = writeVarint(buf, pos, plan.lineLength);
    pos = writeString(buf, pos, entry.line, plan.lineLength);
  }
  const sizes = plan.metadataSizes;
  if (sizes !== undefined) {
    const metadata = entry.metadata!;
    for (let m = 0; m < metadata.length; m++) {
      const n = sizes[m * 3];
      const v = sizes[m * 3 + 1];
      buf[pos++] = TAG_METADATA;
      pos = writeVarint(buf, pos, sizes[m * 3 + 2]);
      if (n > 0) {
        buf[pos++] = TAG_NAME;
        pos = writeVarint(buf, pos, n);
        pos = writeString(buf, pos, metadata[m].name, n);
      }
      if (v > 0) {
        buf[pos++] = TAG_VALUE;
        pos = writeVarint(buf, pos, v);
        pos = writeString(buf, pos, metadata[m].value, v);
      }
    }
  }
  return pos;
}
