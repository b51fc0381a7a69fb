/**
 * Codecs where the package is bundled (Workers, browsers, edge): no native snappy (the
 * JavaScript compressor does the work) and a reader of `PushRequest` of our own instead of
 * protobufjs. The twin of `../node/codec`.
 */
import type { PushStream } from '../../types';
import { readPushRequest } from '../../wire/push-request-reader';

/** No native compressor here. */
export const nativeSnappyCompress: ((input: Uint8Array) => Uint8Array) | undefined = undefined;

/** Decodes an uncompressed protobuf `logproto.PushRequest`. */
export function decodePushRequestBytes(bytes: Uint8Array): PushStream[] {
  return readPushRequest(bytes);
}
