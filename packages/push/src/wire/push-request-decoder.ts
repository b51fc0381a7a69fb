/**
 * Reading a `PushRequest` back, for users' tests and tools (the client itself never decodes).
 * It uses the protobufjs code generated from `proto/push.proto`, loaded on first use, so that
 * protobufjs stays out of a program that only sends.
 */
import type * as Generated from '../generated/push';
import type { logproto } from '../generated/push';
import type { PushEntry, PushStream } from '../types';

const NANOS_PER_SECOND = 1_000_000_000n;

type Int64 = number | { toString(): string };

let pushRequestType: typeof logproto.PushRequest | undefined;

function generatedPushRequest(): typeof logproto.PushRequest {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pushRequestType ??= (require('../generated/push') as typeof Generated).logproto.PushRequest;
  return pushRequestType;
}

function int64ToBigInt(value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(value) : BigInt(value.toString());
}

/**
 * Decodes an uncompressed protobuf `logproto.PushRequest` (uncompress it with `snappyUncompress`).
 *
 * @throws {Error} when the bytes are not a valid `PushRequest`.
 */
export function decodePushRequest(bytes: Uint8Array): PushStream[] {
  const request = generatedPushRequest().decode(bytes);
  return request.streams.map((stream) => ({
    labels: stream.labels ?? '',
    entries: (stream.entries ?? []).map((entry): PushEntry => {
      const ts = entry.timestamp;
      const timestampNanos =
        int64ToBigInt(ts?.seconds as Int64 | undefined) * NANOS_PER_SECOND + BigInt(ts?.nanos ?? 0);
      const metadata = (entry.structuredMetadata ?? []).map((pair) => ({
        name: pair.name ?? '',
        value: pair.value ?? '',
      }));
      return metadata.length > 0
        ? { timestampNanos, line: entry.line ?? '', metadata }
        : { timestampNanos, line: entry.line ?? '' };
    }),
  }));
}
