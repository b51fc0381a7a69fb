/**
 * The first step of a push in Loki, `ParseLokiRequest`: `Content-Encoding`, `Content-Type`,
 * then snappy-compressed protobuf or JSON. Every failure is a 400 whose body is Go's error text.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/push.go (ParseLokiRequest)
 * @see https://github.com/grafana/loki/blob/main/pkg/util/http.go (ParseProtoReader)
 */
import * as zlib from 'node:zlib';
import { snappyUncompress } from '@otel-loki/push';
import { goQuote } from '@otel-loki/push/internal';
import type { PushStream } from '@otel-loki/push';
import { decodeJsonPush, decodeLegacyJsonPush, PushDecodeError } from './json-push-decoder';
import { ProtoDecodeError, readPushRequest } from './push-request-reader';

/** Bound of a decompressed body, so a hostile body cannot exhaust memory (Loki's is `MaxInt32`). */
const MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024;

/** What a push body decoded to. */
export interface DecodedPush {
  format: 'protobuf' | 'json' | 'legacy-json';
  streams: PushStream[];
  /** Size of the body after `Content-Encoding` was undone. */
  decodedBytes: number;
}

const MEDIA_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Go's `mime.ParseMediaType`, reduced to the media type: lower-cased `type/subtype`.
 *
 * @throws {PushDecodeError} with Go's message.
 */
function parseMediaType(value: string): string {
  const base = value.split(';')[0].trim().toLowerCase();
  if (base === '') throw new PushDecodeError('mime: no media type');
  const slash = base.indexOf('/');
  if (slash < 0) {
    if (MEDIA_TOKEN.test(base)) throw new PushDecodeError('mime: expected slash after first token');
    throw new PushDecodeError('mime: expected token after slash');
  }
  const [type, subtype] = [base.slice(0, slash), base.slice(slash + 1)];
  if (!MEDIA_TOKEN.test(type)) throw new PushDecodeError('mime: expected slash after first token');
  if (!MEDIA_TOKEN.test(subtype)) throw new PushDecodeError('mime: expected token after slash');
  return base;
}

/** Go's error texts for a broken gzip or deflate stream, from Node's zlib error codes. */
function inflateError(err: unknown, gzip: boolean): PushDecodeError {
  const code = (err as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') return new PushDecodeError('unexpected EOF');
  if (gzip && code === 'Z_DATA_ERROR' && /header/.test((err as Error).message)) {
    return new PushDecodeError('gzip: invalid header');
  }
  if (code === 'ERR_BUFFER_TOO_LARGE') return new PushDecodeError('request body too large');
  return new PushDecodeError(
    gzip && /check/.test((err as Error).message) ? 'gzip: invalid checksum' : 'flate: corrupt input before offset 0'
  );
}

function undoContentEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case '':
    case 'snappy':
      // Snappy is undone by the protobuf reader; the header only says so (see Loki #3407).
      return body;
    case 'gzip':
      if (body.length === 0) throw new PushDecodeError('EOF');
      try {
        return zlib.gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
      } catch (err) {
        throw inflateError(err, true);
      }
    case 'deflate':
      // Go's `flate.NewReader`: raw DEFLATE, not the zlib format most HTTP clients send.
      try {
        return zlib.inflateRawSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
      } catch (err) {
        throw inflateError(err, false);
      }
    default:
      throw new PushDecodeError(`Content-Encoding ${goQuote(encoding)} not supported`);
  }
}

function decodeProtobuf(body: Buffer): PushStream[] {
  let raw: Uint8Array;
  try {
    raw = snappyUncompress(body, MAX_DECOMPRESSED_BYTES);
  } catch {
    throw new PushDecodeError('snappy: corrupt input');
  }
  try {
    return readPushRequest(raw);
  } catch (err) {
    if (err instanceof ProtoDecodeError) throw new PushDecodeError(err.message);
    throw err;
  }
}

/**
 * Decodes a push body as Loki does.
 *
 * @param path Request path: JSON on a path without `/loki/api/v1` is the legacy format.
 * @throws {PushDecodeError} with Loki's answer (400).
 */
export function decodePushBody(
  body: Buffer,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  path: string
): DecodedPush {
  const decoded = undoContentEncoding(body, contentEncoding ?? '');
  // Observed on Loki 3.4.6: no Content-Type at all is read as protobuf (answer: `snappy: corrupt input`).
  const mediaType = contentType === undefined || contentType === '' ? '' : parseMediaType(contentType);
  if (mediaType === 'application/json') {
    const text = decoded.toString('utf8');
    if (path.toLowerCase().includes('/loki/api/v1')) {
      return { format: 'json', streams: decodeJsonPush(text), decodedBytes: decoded.length };
    }
    return { format: 'legacy-json', streams: decodeLegacyJsonPush(text), decodedBytes: decoded.length };
  }
  return { format: 'protobuf', streams: decodeProtobuf(decoded), decodedBytes: decoded.length };
}
