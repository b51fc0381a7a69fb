/**
 * Figures 1–3: CPU per record of the export path and bytes per record, on the same batches of
 * `ReadableLogRecord`s, side by side in one run:
 *
 * - ours: the real `LokiLogRecordExporter.export()` and the real `LokiPushClient` (mapping,
 *   limits, grouping, nudging, splitting, protobuf, snappy) with the HTTP transport replaced by
 *   one that answers 204 at once;
 * - its parts: mapping + grouping alone (a push client that does nothing; the mapping's fast
 *   path encodes the entries as it maps them, so this includes entry encoding), entry encoding
 *   alone as the general path does it (for comparison), the protobuf writer alone, our snappy
 *   compressor, snappyjs and native `snappy` alone on our final bytes;
 * - the floor, as the issue defines it: snappyjs on our final uncompressed bytes plus a memcpy
 *   of them (our own compressor is faster than snappyjs, and is shown too);
 * - OTLP: `ProtobufLogsSerializer.serializeRequest` of `@opentelemetry/otlp-transformer`
 *   (what `@opentelemetry/exporter-logs-otlp-proto` sends), with and without gzip.
 */
import { gzipSync } from 'node:zlib';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BATCH_SIZE } from './corpus';
import type { BenchTask, InterleaveOptions } from './harness';
import { runInterleaved } from './harness';
import { exporterBuild, pushBuild, pushInternalBuild } from './packages';

/** Names of the tasks, in table order. */
export const EXPORT_PATH_TASKS = {
  ours: 'loki: export() = map + group + protobuf + snappy (native)',
  oursJs: 'loki: export() = map + group + protobuf + snappy (JS fallback)',
  mapGroup: 'loki: map + limits + group, entries encoded (no request)',
  encode: 'loki: entry encoding alone, general path (for comparison)',
  protobuf: 'loki: protobuf writer only (entries pre-encoded)',
  snappy: 'loki: our JS snappy compressor on our bytes',
  snappyjs: 'loki: snappyjs on our bytes',
  nativeSnappy: 'loki: native snappy on our bytes',
  floor: 'floor: snappyjs + memcpy of our bytes',
  otlp: 'otlp: proto serializer',
  otlpGzip: 'otlp: proto serializer + gzip',
} as const;

/** What figures 1–3 report; times in µs per record, sizes in bytes per record. */
export interface ExportPathFigures {
  micros: Record<keyof typeof EXPORT_PATH_TASKS, number>;
  bytes: {
    lokiUncompressed: number;
    lokiSnappy: number;
    lokiNativeSnappy: number;
    otlpProto: number;
    otlpProtoGzip: number;
  };
}

type PushStreams = Parameters<typeof pushBuild.encodePushRequest>[0];

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };

/** An exporter whose push client encodes for real and "sends" to a transport that answers 204. */
function exporterWithNullTransport(bodies: Uint8Array[] | undefined) {
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild;
  return new LokiLogRecordExporter({
    url: 'http://127.0.0.1:9',
    [INTERNALS]: {
      createClient: (options: ConstructorParameters<typeof pushBuild.LokiPushClient>[0]) =>
        new pushBuild.LokiPushClient(options, {
          transport: {
            send: async (request: { body: Uint8Array }) => {
              bodies?.push(request.body);
              return NO_CONTENT;
            },
            close: () => {},
          },
        }),
    },
  } as never);
}

/**
 * An exporter whose push client keeps the streams it is given and does nothing else. The
 * mapping's fast path encodes entries as it maps them (`packEntries`, the default); `false`
 * sends every record through the general path, which encodes entries on first use.
 */
function exporterWithoutEncoding(captured: PushStreams[] | undefined, packEntries = true) {
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild;
  const result = {
    status: 204,
    requests: 1,
    attempts: 1,
    entries: 0,
    streams: 0,
    bytes: 0,
    wireBytes: 0,
  };
  return new LokiLogRecordExporter({
    url: 'http://127.0.0.1:9',
    [INTERNALS]: {
      packEntries,
      createClient: () => ({
        push: async (streams: PushStreams) => {
          captured?.push(streams);
          return result;
        },
        close: async () => {},
      }),
    },
  } as never);
}

function exportOnce(
  exporter: { export(logs: ReadableLogRecord[], cb: (r: { code: number; error?: Error }) => void): void },
  batch: ReadableLogRecord[]
): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (r) => (r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed'))))
  );
}

function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

/** Runs figures 1–3 over `batches`. */
export async function runExportPath(
  batches: ReadableLogRecord[][],
  options: InterleaveOptions
): Promise<ExportPathFigures> {
  const { snappyUncompress } = pushBuild;
  const { compressBlock, useSnappyImplementation } = pushInternalBuild;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const snappyjs: { compress(input: Uint8Array): Uint8Array } = require('snappyjs');
  const nativeSnappy = loadNativeSnappy();

  // Our final bytes and streams per batch, from the real path, for the parts and the floor.
  const bodies: Uint8Array[] = [];
  const captured: PushStreams[] = [];
  const probe = exporterWithNullTransport(bodies);
  const probeStreams = exporterWithoutEncoding(captured);
  // Entries of the general path (encoded on first use), for the encoding-alone row.
  const capturedGeneral: PushStreams[] = [];
  const probeGeneral = exporterWithoutEncoding(capturedGeneral, false);
  for (const batch of batches) {
    await exportOnce(probe, batch);
    await exportOnce(probeStreams, batch);
    await exportOnce(probeGeneral, batch);
  }
  if (bodies.length !== batches.length) throw new Error(`expected one request per batch, got ${bodies.length}`);
  const raw = bodies.map((b) => Buffer.from(snappyUncompress(b)));
  const otlp = batches.map((b) => ProtobufLogsSerializer.serializeRequest(b)!);

  const ours = exporterWithNullTransport(undefined);
  const mapOnly = exporterWithoutEncoding(undefined);
  const nextBatchA = cycle(batches);
  const nextBatchB = cycle(batches);
  const nextBatchC = cycle(batches);
  const nextBatchD = cycle(batches);
  const nextBatchE = cycle(batches);
  const nextStreams = cycle(captured);
  const nextStreamsE = cycle(capturedGeneral);
  const nextRawA = cycle(raw);
  const nextRawB = cycle(raw);
  const nextRawC = cycle(raw);
  const nextRawD = cycle(raw);
  const scratch = Buffer.allocUnsafe(Math.max(...raw.map((r) => r.byteLength)));
  let sink = 0;

  const T = EXPORT_PATH_TASKS;
  const tasks: BenchTask[] = [
    {
      name: T.ours,
      fn: () => {
        useSnappyImplementation('native');
        return exportOnce(ours, nextBatchA());
      },
    },
    {
      name: T.oursJs,
      fn: () => {
        useSnappyImplementation('javascript');
        return exportOnce(ours, nextBatchE());
      },
    },
    { name: T.mapGroup, fn: () => exportOnce(mapOnly, nextBatchB()) },
    {
      name: T.encode,
      fn: () => {
        for (const stream of nextStreamsE()) {
          for (const entry of stream.entries as unknown as {
            seconds: number;
            nanos: number;
            encoded: Uint8Array;
            setTime(s: number, n: number): void;
          }[]) {
            entry.setTime(entry.seconds, entry.nanos); // drops the cached encoding
            sink += entry.encoded.byteLength;
          }
        }
      },
    },
    { name: T.protobuf, fn: () => (sink += pushBuild.encodePushRequest(nextStreams()).byteLength) },
    { name: T.snappy, fn: () => (sink += compressBlock(nextRawA()).byteLength) },
    { name: T.snappyjs, fn: () => (sink += snappyjs.compress(nextRawD()).byteLength) },
    {
      name: T.floor,
      fn: () => {
        const bytes = nextRawB();
        bytes.copy(scratch);
        sink += snappyjs.compress(bytes).byteLength + scratch[0];
      },
    },
    { name: T.otlp, fn: () => (sink += ProtobufLogsSerializer.serializeRequest(nextBatchC())!.byteLength) },
    {
      name: T.otlpGzip,
      fn: () => (sink += gzipSync(ProtobufLogsSerializer.serializeRequest(nextBatchD())!).byteLength),
    },
  ];
  if (nativeSnappy !== undefined) {
    tasks.push({ name: T.nativeSnappy, fn: () => (sink += nativeSnappy.compressSync(nextRawC()).byteLength) });
  }
  const millis = await runInterleaved(tasks, options);
  useSnappyImplementation('native');
  if (sink < 0) throw new Error('unreachable');

  const perRecord = (name: string) => ((millis.get(name) ?? NaN) * 1000) / BATCH_SIZE;
  const micros = Object.fromEntries(
    Object.entries(T).map(([key, name]) => [key, perRecord(name)])
  ) as ExportPathFigures['micros'];
  const records = batches.length * BATCH_SIZE;
  const sum = (xs: readonly { byteLength: number }[]) => xs.reduce((n, x) => n + x.byteLength, 0) / records;
  return {
    micros,
    bytes: {
      lokiUncompressed: sum(raw),
      lokiSnappy: sum(bodies),
      lokiNativeSnappy: nativeSnappy === undefined ? NaN : sum(raw.map((r) => nativeSnappy.compressSync(r))),
      otlpProto: sum(otlp),
      otlpProtoGzip: sum(otlp.map((o) => gzipSync(o))),
    },
  };
}

function loadNativeSnappy(): { compressSync(input: Buffer): Buffer } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('snappy');
  } catch {
    return undefined;
  }
}
