/**
 * The reference encoder of the wire tests: protobufjs' code generated from `proto/push.proto`,
 * building message objects the ordinary way. `encodePushRequest` must write exactly its bytes.
 */
import { logproto } from '../../src/generated/push';
import type { MetadataPair, PushStream } from '../../src/types';
import { toProtoTimestamp } from '../../src/wire/entry-encoder';

export function protobufjsEncodePushRequest(streams: readonly PushStream[]): Uint8Array {
  const message: logproto.PushRequest.$Properties = {
    streams: streams.map((stream) => ({
      labels: stream.labels,
      entries: stream.entries.map((entry) => ({
        timestamp: toProtoTimestamp(entry.timestampNanos),
        line: entry.line,
        structuredMetadata: entry.metadata as MetadataPair[] | undefined,
      })),
    })),
  };
  return logproto.PushRequest.encode(message).finish();
}
