/**
 * Codecs on Node (and Bun, Deno): the native `snappy` package when it is installed and loads
 * (an optional dependency, faster than the JavaScript compressor: docs/benchmarks.md), and
 * the protobufjs code generated from `proto/push.proto` for reading requests back, loaded on
 * first use so that a program that only sends never loads protobufjs. The web twin
 * (`../web/codec`) has neither: bundles stay free of native and generated code.
 */
import type * as Generated from '../../generated/push';
import type { logproto } from '../../generated/push';
import type { PushEntry, PushStream } from '../../types';

/** The slice of the native `snappy` package used here. */
interface NativeSnappy {
  compressSync(input: Buffer, options?: { copyOutputData?: boolean }): Buffer;
}

/**
 * The output copied into a buffer of V8's instead of handed over as an external buffer with a
 * finalizer: on 350 KB push bodies that takes native compression from 2.5 to 0.8 µs per record
 * on average (the median call is the same; one call in five or more paid several times the
 * median for the external buffer: docs/benchmarks.md).
 */
const COMPRESS_OPTIONS = { copyOutputData: true };

const NANOS_PER_SECOND = 1_000_000_000n;

type Int64 = number | { toString(): string };

function loadNative(): NativeSnappy | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('snappy') as Partial<NativeSnappy>;
    return typeof loaded.compressSync === 'function' ? (loaded as NativeSnappy) : undefined;
  } catch {
    return undefined; // not installed (optional) or no binary for this platform
  }
}

const nativeSnappy = loadNative();

/** The native snappy block compressor, when the `snappy` package loaded. */
export const nativeSnappyCompress: ((input: Uint8Array) => Uint8Array) | undefined =
  nativeSnappy === undefined
    ? undefined
    : (input) =>
        nativeSnappy.compressSync(
          Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength),
          COMPRESS_OPTIONS
        );

let pushRequestType: typeof logproto.PushRequest | undefined;

function generatedPushRequest(): typeof logproto.PushRequest {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pushRequestType ??= (require('../../generated/push') as typeof Generated).logproto.PushRequest;
  return pushRequestType;
}

function int64ToBigInt(value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(value) : BigInt(value.toString());
}

/** Decodes an uncompressed protobuf `logproto.PushRequest` with the generated protobufjs code. */
export function decodePushRequestBytes(bytes: Uint8Array): PushStream[] {
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
