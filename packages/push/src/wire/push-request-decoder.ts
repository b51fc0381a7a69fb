/**
 * Reading a `PushRequest` back, for users' tests and tools (the client itself never decodes).
 * On Node it uses the protobufjs code generated from `proto/push.proto`, loaded on first use,
 * so that protobufjs stays out of a program that only sends; in bundled runtimes (Workers,
 * browsers, edge) a small reader of our own (`push-request-reader.ts`), so that no bundle
 * carries protobufjs. The package's `imports` field chooses (`#platform/codec`).
 */
import { decodePushRequestBytes } from '#platform/codec';
import type { PushStream } from '../types';

/**
 * Decodes an uncompressed protobuf `logproto.PushRequest` (uncompress it with `snappyUncompress`).
 *
 * @throws {Error} when the bytes are not a valid `PushRequest`.
 */
export function decodePushRequest(bytes: Uint8Array): PushStream[] {
  return decodePushRequestBytes(bytes);
}
