/**
 * Loki's `PushRequest` on the wire: protobuf (with the static code generated from
 * `proto/push.proto`) and JSON, both ways. Compression is the caller's concern (see `snappy.ts`).
 */
import { logproto } from './generated/push';
import { parseLabels } from './label-set';
import type { MetadataPair, PushEntry, PushStream } from './types';

const NANOS_PER_SECOND = 1_000_000_000n;

/** Splits nanoseconds since the epoch into a protobuf Timestamp (non-negative `nanos`). */
export function toProtoTimestamp(nanos: bigint): { seconds: number; nanos: number } {
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos - seconds * NANOS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NANOS_PER_SECOND;
  }
  return { seconds: Number(seconds), nanos: Number(rest) };
}

/** Encodes streams as an uncompressed protobuf `logproto.PushRequest`. */
export function encodePushRequest(streams: readonly PushStream[]): Uint8Array {
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

type Int64 = number | { toString(): string };

function int64ToBigInt(value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(value) : BigInt(value.toString());
}

/**
 * Decodes an uncompressed protobuf `logproto.PushRequest`.
 *
 * @throws {Error} when the bytes are not a valid `PushRequest`.
 */
export function decodePushRequest(bytes: Uint8Array): PushStream[] {
  const request = logproto.PushRequest.decode(bytes);
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

/**
 * Encodes streams in Loki's JSON push format:
 * `{"streams":[{"stream":{...},"values":[["<ns>","<line>",{<metadata>}]]}]}`.
 * The `stream` object is read back from each stream's label string.
 *
 * @throws {LabelSyntaxError} when a stream's label string is not valid Loki syntax.
 */
export function encodeJsonPushRequest(streams: readonly PushStream[]): string {
  return JSON.stringify({
    streams: streams.map((stream) => ({
      stream: labelsObject(stream.labels),
      values: stream.entries.map((entry) => {
        const value: unknown[] = [entry.timestampNanos.toString(), entry.line];
        if (entry.metadata && entry.metadata.length > 0) {
          const metadata: Record<string, string> = {};
          for (const pair of entry.metadata) metadata[pair.name] = pair.value;
          value.push(metadata);
        }
        return value;
      }),
    })),
  });
}

function labelsObject(labels: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of parseLabels(labels)) result[pair.name] = pair.value;
  return result;
}
