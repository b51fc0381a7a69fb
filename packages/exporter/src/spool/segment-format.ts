/**
 * The on-disk format of a segment file (format version 1), all integers big-endian:
 *
 *     header  magic "OTLSPOOL" (8) | version u16 | reserved u16 | json length u32 | crc32 u32 | json
 *             json = {"pushUrl", "tenant", "createdMillis", "origin"}: never credentials
 *     frame   payload length u32 | crc32 u32 (of kind + payload) | kind u8 | payload
 *     data    appendedMillis u64 | entries u32 | oldestNanos u64 | newestNanos u64 |
 *             uncompressedBytes u32 | extra json length u32 | extra json | body
 *             extra json = {"contentType"?, "streams"?, "streamCount"?} (length 0 when all are absent)
 *     ack     offset u64 of the acknowledged data frame
 *
 * A frame is valid only when its length stays inside the file and its checksum matches; the
 * first invalid frame ends what is read of a segment (a torn tail or a corrupt region).
 */
import { crc32 } from './crc32';
import type { SpoolIdentity, SpoolRecordMeta } from './types';

/** The format version written; a reader refuses any other. */
export const FORMAT_VERSION = 1;
/** A frame longer than this is corruption, not data (a push request is at most a few MiB). */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Bytes before a frame's payload. */
export const FRAME_HEADER_BYTES = 9;
/** Bytes of an ack frame. */
export const ACK_FRAME_BYTES = FRAME_HEADER_BYTES + 8;

const MAGIC = Buffer.from('OTLSPOOL', 'latin1');
const FIXED_HEADER_BYTES = 20;
const MAX_HEADER_JSON_BYTES = 64 * 1024;
const DATA_FIXED_BYTES = 36;

/** Frame kinds. */
export const FrameKind = { Data: 1, Ack: 2 } as const;
/** A frame kind. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** What a segment header holds. */
export interface SegmentHeader {
  readonly identity: SpoolIdentity;
  readonly createdMillis: number;
  /** Owner id of the process that created the segment. */
  readonly origin: string;
}

/** A decoded data frame payload. */
export interface DataRecord {
  readonly appendedMillis: number;
  readonly meta: SpoolRecordMeta;
  readonly body: Uint8Array;
}

/** Encodes a segment header. */
export function encodeHeader(header: SegmentHeader): Buffer {
  const json = Buffer.from(
    JSON.stringify({
      pushUrl: header.identity.pushUrl,
      tenant: header.identity.tenant ?? null,
      createdMillis: header.createdMillis,
      origin: header.origin,
    })
  );
  const out = Buffer.alloc(FIXED_HEADER_BYTES + json.length);
  MAGIC.copy(out, 0);
  out.writeUInt16BE(FORMAT_VERSION, 8);
  out.writeUInt32BE(json.length, 12);
  out.writeUInt32BE(crc32(json), 16);
  json.copy(out, FIXED_HEADER_BYTES);
  return out;
}

/** Length of the header starting `prefix` (its first 20 bytes), or a reason it is not one. */
export function headerLength(prefix: Buffer): number | string {
  if (prefix.length < FIXED_HEADER_BYTES || !prefix.subarray(0, 8).equals(MAGIC)) return 'not a spool segment';
  const version = prefix.readUInt16BE(8);
  if (version !== FORMAT_VERSION) return `unsupported format version ${version}`;
  const length = prefix.readUInt32BE(12);
  if (length > MAX_HEADER_JSON_BYTES) return 'header too long';
  return FIXED_HEADER_BYTES + length;
}

/** Decodes a whole header (length from `headerLength`), or a reason it is invalid. */
export function decodeHeader(bytes: Buffer): SegmentHeader | string {
  const length = headerLength(bytes);
  if (typeof length === 'string') return length;
  if (bytes.length < length) return 'truncated header';
  const json = bytes.subarray(FIXED_HEADER_BYTES, length);
  if (crc32(json) !== bytes.readUInt32BE(16)) return 'header checksum mismatch';
  try {
    const parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    const { pushUrl, tenant, createdMillis, origin } = parsed;
    if (typeof pushUrl !== 'string' || typeof createdMillis !== 'number' || typeof origin !== 'string') {
      return 'header fields missing';
    }
    if (tenant !== null && typeof tenant !== 'string') return 'header tenant invalid';
    return { identity: { pushUrl, tenant: tenant ?? undefined }, createdMillis, origin };
  } catch {
    return 'header is not JSON';
  }
}

/** Encodes a whole frame. */
export function encodeFrame(kind: FrameKind, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out[8] = kind;
  out.set(payload, FRAME_HEADER_BYTES);
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

/** Encodes a data frame (one allocation: the body is copied once). */
export function encodeDataFrame(appendedMillis: number, meta: SpoolRecordMeta, body: Uint8Array): Buffer {
  const extra = encodeExtra(meta);
  const length = DATA_FIXED_BYTES + extra.length + body.length;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  const at = FRAME_HEADER_BYTES;
  out.writeUInt32BE(length, 0);
  out[8] = FrameKind.Data;
  out.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(appendedMillis))), at);
  out.writeUInt32BE(meta.entries, at + 8);
  out.writeBigUInt64BE(meta.oldestNanos, at + 12);
  out.writeBigUInt64BE(meta.newestNanos, at + 20);
  out.writeUInt32BE(meta.uncompressedBytes, at + 28);
  out.writeUInt32BE(extra.length, at + 32);
  extra.copy(out, at + DATA_FIXED_BYTES);
  out.set(body, at + DATA_FIXED_BYTES + extra.length);
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

/** Encodes an ack frame for the data frame at `offset`. */
export function encodeAckFrame(offset: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeBigUInt64BE(BigInt(offset), 0);
  return encodeFrame(FrameKind.Ack, payload);
}

/** Entries and append time of a data payload without decoding the rest; `undefined` when too short. */
export function dataSummary(payload: Buffer): { entries: number; appendedMillis: number } | undefined {
  if (payload.length < DATA_FIXED_BYTES) return undefined;
  return { entries: payload.readUInt32BE(8), appendedMillis: Number(payload.readBigUInt64BE(0)) };
}

/** The optional fields of a record's metadata, as JSON (empty when there are none). */
function encodeExtra(meta: SpoolRecordMeta): Buffer {
  const { contentType, streams, streamCount } = meta;
  if (contentType === undefined && streams === undefined && streamCount === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify({ contentType, streams, streamCount }));
}

/** The optional fields back; `undefined` when they are not what `encodeExtra` writes. */
function decodeExtra(json: Buffer): Pick<SpoolRecordMeta, 'contentType' | 'streams' | 'streamCount'> | undefined {
  if (json.length === 0) return {};
  try {
    const { contentType, streams, streamCount } = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    const valid =
      (contentType === undefined || typeof contentType === 'string') &&
      (streams === undefined || (Array.isArray(streams) && streams.every((s) => typeof s === 'string'))) &&
      (streamCount === undefined || (Number.isSafeInteger(streamCount) && (streamCount as number) >= 0));
    if (!valid) return undefined;
    return {
      ...(contentType === undefined ? {} : { contentType: contentType as string }),
      ...(streams === undefined ? {} : { streams: streams as string[] }),
      ...(streamCount === undefined ? {} : { streamCount: streamCount as number }),
    };
  } catch {
    return undefined;
  }
}

/** Decodes a data payload; `undefined` when its inner lengths do not add up. */
export function decodeData(payload: Buffer): DataRecord | undefined {
  if (payload.length < DATA_FIXED_BYTES) return undefined;
  const extraLength = payload.readUInt32BE(32);
  if (DATA_FIXED_BYTES + extraLength > payload.length) return undefined;
  const extra = decodeExtra(payload.subarray(DATA_FIXED_BYTES, DATA_FIXED_BYTES + extraLength));
  if (extra === undefined) return undefined;
  const meta: SpoolRecordMeta = {
    entries: payload.readUInt32BE(8),
    oldestNanos: payload.readBigUInt64BE(12),
    newestNanos: payload.readBigUInt64BE(20),
    uncompressedBytes: payload.readUInt32BE(28),
    ...extra,
  };
  return {
    appendedMillis: Number(payload.readBigUInt64BE(0)),
    meta,
    body: payload.subarray(DATA_FIXED_BYTES + extraLength),
  };
}

/** Decodes an ack payload: the offset of the acknowledged data frame. */
export function decodeAck(payload: Buffer): number | undefined {
  return payload.length === 8 ? Number(payload.readBigUInt64BE(0)) : undefined;
}

/** A stable key for an identity (maps, comparisons). */
export function identityKey(identity: SpoolIdentity): string {
  return JSON.stringify([identity.pushUrl, identity.tenant ?? null]);
}

/** The identity with any `user:password@` removed from the URL: credentials never reach the disk. */
export function withoutCredentials(identity: SpoolIdentity): SpoolIdentity {
  try {
    const url = new URL(identity.pushUrl);
    if (url.username === '' && url.password === '') return identity;
    url.username = '';
    url.password = '';
    return { pushUrl: url.toString(), tenant: identity.tenant };
  } catch {
    return identity;
  }
}
