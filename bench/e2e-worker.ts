/**
 * One end-to-end pipeline in a process of its own (figures 4 and 5):
 * `tsx bench/e2e-worker.ts <pipeline> <records> <sinkUrl>` emits `records` corpus records as
 * fast as the pipeline takes them and prints one JSON line: wall time, CPU time of this
 * process (the sink runs in another), peak RSS and heap.
 *
 * - `loki`, `loki-js`: `LoggerProvider` + `BatchLogRecordProcessor` + `LokiLogRecordExporter`
 *   (native snappy, or the JavaScript compressor) → the sink's `/loki/api/v1/push`;
 * - `loki-unbuffered`: the same with `retryBufferBytes: 0` (export() answers after the push);
 * - `loki-spool`: `loki` with the disk spool on (a fresh temporary directory, default fsync);
 * - `otlp-gzip`, `otlp`: the same SDK pipeline with `@opentelemetry/exporter-logs-otlp-proto`
 *   (gzip or none) → the sink's `/v1/logs`;
 * - `sdk-only`: the same SDK pipeline with an exporter that answers at once and sends nothing;
 * - `winston-loki`: winston + winston-loki's transport (protobuf + native snappy, its own
 *   batching every 100 ms), its own logger path: not the same SDK work, labelled as such.
 *
 * `--corpus=access` takes the access-log corpus instead of the standard one (`corpus.ts`);
 * `--rate=N` emits N records per second instead of as fast as the pipeline takes them.
 *
 * With `--export-only`, no SDK: the pipeline's exporter gets pre-made batches of 512
 * `ReadableLogRecord`s through its real `export()`, with HTTP to the sink, one batch at a time
 * (each delivered before the next: ours is flushed, OTLP answers after the response).
 *
 * The processor's queue is never allowed to overflow (the emitter waits while more than
 * `maxQueueSize - batch` records are unexported), so no pipeline wins by dropping records.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BATCH_SIZE, corpusBatches, corpusFromArgs, corpusRecords, RESOURCE_ATTRIBUTES } from './corpus';
import type { Corpus } from './corpus';
import { exporterBuild, pushInternalBuild } from './packages';

const MAX_QUEUE_SIZE = 2048;
const SAMPLE_EVERY_MILLIS = 20;
/** Distinct emit arguments cycled through (timestamps are taken at emit time). */
const DISTINCT_RECORDS = 8192;

/** What one run reports. */
export interface E2eResult {
  pipeline: string;
  /** `process.version` of the worker. */
  node: string;
  records: number;
  delivered: number;
  wallMillis: number;
  cpuMicros: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  peakRssMB: number;
  peakHeapMB: number;
  /** Median heap used right after the mark-compacts of the run (0 when none ran): the live heap. */
  heapAfterGcMB: number;
  sinkBytes: number;
}

type ResultCode = { code: number };

function countingExporter(
  inner: LogRecordExporter,
  counts: { exported: number; failed: number },
  onExported: () => void
): LogRecordExporter {
  return {
    export(logs: ReadableLogRecord[], done: (result: ResultCode) => void) {
      inner.export(logs, (result: ResultCode) => {
        counts.exported += logs.length;
        if (result.code !== 0) counts.failed += logs.length;
        done(result);
        onExported();
      });
    },
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => inner.shutdown(),
  } as LogRecordExporter;
}

function makeExporter(pipeline: string, sinkUrl: string): LogRecordExporter {
  switch (pipeline) {
    case 'loki':
    case 'loki-js':
      pushInternalBuild.useSnappyImplementation(pipeline === 'loki' ? 'native' : 'javascript');
      return new exporterBuild.LokiLogRecordExporter({ url: sinkUrl }) as unknown as LogRecordExporter;
    case 'loki-spool': {
      // The disk spool on (issue 11): every request written before it is sent (fsync: interval).
      pushInternalBuild.useSnappyImplementation('native');
      const parent = mkdtempSync(path.join(tmpdir(), 'otel-loki-bench-spool-'));
      process.once('exit', () => rmSync(parent, { recursive: true, force: true }));
      return new exporterBuild.LokiLogRecordExporter({
        url: sinkUrl,
        spool: { directory: path.join(parent, 'spool') },
      }) as unknown as LogRecordExporter;
    }
    case 'loki-unbuffered':
      // Without the retry buffer, export() answers after the push, as the OTLP exporter does.
      return new exporterBuild.LokiLogRecordExporter({
        url: sinkUrl,
        retryBufferBytes: 0,
      }) as unknown as LogRecordExporter;
    case 'sdk-only':
      // The SDK alone: an exporter that answers at once and sends nothing (figure 5's baseline).
      return {
        export: (_logs: ReadableLogRecord[], done: (result: ResultCode) => void) =>
          setImmediate(() => done({ code: 0 })),
        shutdown: () => Promise.resolve(),
        forceFlush: () => Promise.resolve(),
      } as unknown as LogRecordExporter;
    case 'otlp-gzip':
      return new OTLPLogExporter({ url: `${sinkUrl}/v1/logs`, compression: 'gzip' as never });
    case 'otlp':
      return new OTLPLogExporter({ url: `${sinkUrl}/v1/logs` });
    default:
      throw new Error(`unknown pipeline ${pipeline}`);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `--rate=N`: records are emitted at N per second (a batch of 512, then a sleep until the next
 * is due) instead of as fast as the pipeline takes them, so that every pipeline sees the same
 * load: a free-running emitter makes the SDK allocate faster for a faster exporter, and V8
 * sizes the heap by that allocation rate (figure 5).
 */
function rateFromArgs(argv: readonly string[]): number | undefined {
  const arg = argv.find((a) => a.startsWith('--rate='));
  if (arg === undefined) return undefined;
  const rate = Number(arg.slice('--rate='.length));
  if (!(rate > 0)) throw new Error(`--rate: expected records per second, got ${arg}`);
  return rate;
}

async function runOtel(
  pipeline: string,
  records: number,
  sinkUrl: string,
  source: Corpus,
  rate: number | undefined
): Promise<number> {
  const counts = { exported: 0, failed: 0 };
  // The emitter sleeps until the next export ends, rather than polling the event loop (which
  // would burn CPU, counted against the pipeline, for as long as its pushes take).
  let wake: (() => void) | undefined;
  const nextExport = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const processor = new BatchLogRecordProcessor({
    exporter: countingExporter(makeExporter(pipeline, sinkUrl), counts, () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    }),
    maxExportBatchSize: BATCH_SIZE,
    maxQueueSize: MAX_QUEUE_SIZE,
    scheduledDelayMillis: 100,
  });
  const resource = resourceFromAttributes({ ...source.resourceAttributes });
  const provider = new LoggerProvider({ resource, processors: [processor] });
  const loggers = source.scopes.map((s) => provider.getLogger(s.name, s.version));
  const corpus = source.records(DISTINCT_RECORDS, Date.now());
  const started = performance.now();
  let emitted = 0;
  while (emitted < records) {
    if (rate !== undefined) {
      const due = started + (emitted / rate) * 1000;
      const now = performance.now();
      if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
    }
    const end = Math.min(records, emitted + BATCH_SIZE);
    for (; emitted < end; emitted++) {
      const { scope, record } = corpus[emitted % DISTINCT_RECORDS];
      const now = Date.now();
      record.timestamp = now;
      record.observedTimestamp = now;
      loggers[scope].emit(record);
    }
    // Bounded by the pipeline's progress: the processor exports while the loop yields.
    if (emitted - counts.exported > MAX_QUEUE_SIZE - BATCH_SIZE) await yieldToLoop();
    while (emitted - counts.exported > MAX_QUEUE_SIZE - BATCH_SIZE) await nextExport();
  }
  await provider.forceFlush();
  await provider.shutdown();
  if (counts.failed > 0) throw new Error(`${pipeline}: ${counts.failed} records failed to export`);
  return counts.exported;
}

/**
 * Warm-up before timing starts (connections, JIT): at least this many batches and this long.
 * TurboFan compiles the hot functions on background threads for a second or more, and that
 * CPU counts in the process; 20 batches (a tenth of a second) left most of it inside the timed
 * run, where a 200 000-record run then measured compilation as per-record cost.
 */
const WARMUP_BATCHES = 20;
const WARMUP_MILLIS = 1500;

/** Prepares the export-only run (corpus, exporter, warm-up); the returned function is what is timed. */
async function prepareExportOnly(
  pipeline: string,
  sinkUrl: string,
  source: Corpus
): Promise<(records: number) => Promise<number>> {
  // 16 distinct batches of the standard corpus; 8 of the access corpus (as issue 14 measured it).
  const batches = corpusBatches(source.name === 'access' ? 8 : 16, undefined, source);
  const exporter = makeExporter(pipeline, sinkUrl);
  const exportBatch = async (batch: ReadableLogRecord[]): Promise<void> => {
    const result = await new Promise<ResultCode>((resolve) => exporter.export(batch, resolve));
    if (result.code !== 0) throw new Error(`${pipeline}: export failed`);
    await exporter.forceFlush?.();
  };
  const warmUntil = Date.now() + WARMUP_MILLIS;
  // Bounded: by the batch count, then by the clock.
  for (let i = 0; i < WARMUP_BATCHES || Date.now() < warmUntil; i++) await exportBatch(batches[i % batches.length]);
  return async (records) => {
    let exported = 0;
    for (let i = 0; exported < records; i++) {
      const batch = batches[i % batches.length];
      await exportBatch(batch);
      exported += batch.length;
    }
    await exporter.shutdown();
    return exported;
  };
}

async function runWinstonLoki(records: number, sinkUrl: string): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const winston = require('winston');
  const LokiTransport = require('winston-loki');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const transport = new LokiTransport({
    host: sinkUrl,
    json: false,
    batching: true,
    interval: 0.1,
    labels: {
      service_name: RESOURCE_ATTRIBUTES['service.name'],
      k8s_namespace_name: RESOURCE_ATTRIBUTES['k8s.namespace.name'],
    },
    gracefulShutdown: false,
    onConnectionError: (err: Error) => {
      throw err;
    },
  });
  const logger = winston.createLogger({ level: 'debug', transports: [transport] });
  const corpus = corpusRecords(DISTINCT_RECORDS, Date.now());
  for (let emitted = 0; emitted < records;) {
    const end = Math.min(records, emitted + BATCH_SIZE);
    for (; emitted < end; emitted++) {
      const { record } = corpus[emitted % DISTINCT_RECORDS];
      logger.log(
        (record.severityText as string).toLowerCase().replace('warn', 'warn'),
        record.body as string,
        record.attributes
      );
    }
    await yieldToLoop();
  }
  await new Promise<void>((resolve) => transport.flush().then(resolve, resolve));
  await transport.batcher.waitFlushed();
  transport.close?.();
  return records;
}

/**
 * Peak RSS of this process from Linux's VmHWM (reset by exec, unlike `resourceUsage().maxRSS`,
 * which a spawned child inherits from its parent); 0 elsewhere (the samples stand in).
 */
function highWaterRss(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

interface SinkStats {
  bytes: number;
  requests: number;
  lokiEntries: number;
  otlpRequests: number;
  verify: boolean;
}

async function sinkStats(sinkUrl: string): Promise<SinkStats> {
  const response = await fetch(`${sinkUrl}/stats`);
  return (await response.json()) as SinkStats;
}

/** Throws unless the sink (started with `--verify`) counted every record of a Loki pipeline. */
function checkDelivery(pipeline: string, delivered: number, before: SinkStats, after: SinkStats): void {
  if (!after.verify || !pipeline.startsWith('loki')) return;
  const received = after.lokiEntries - before.lokiEntries;
  if (received !== delivered) throw new Error(`${pipeline}: the sink received ${received} entries of ${delivered}`);
}

async function main(): Promise<void> {
  const [pipeline, recordsArg, sinkUrl] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const exportOnly = process.argv.includes('--export-only');
  const source = corpusFromArgs(process.argv);
  const records = Number(recordsArg);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) peakRss = usage.rss;
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
  };
  // Heap used as each mark-compact ends (the observer runs just after it): what survives.
  const afterMajorGc: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry.detail as { kind?: number } | undefined)?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) afterMajorGc.push(process.memoryUsage().heapUsed);
    }
  });
  const exportOnlyRun = exportOnly ? await prepareExportOnly(pipeline, sinkUrl, source) : undefined;
  const sampler = setInterval(sample, SAMPLE_EVERY_MILLIS);
  gcObserver.observe({ entryTypes: ['gc'] });
  const before = await sinkStats(sinkUrl);
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const delivered = exportOnlyRun
    ? await exportOnlyRun(records)
    : pipeline === 'winston-loki'
      ? await runWinstonLoki(records, sinkUrl)
      : await runOtel(pipeline, records, sinkUrl, source, rateFromArgs(process.argv));
  const wallMillis = Number(process.hrtime.bigint() - wallStart) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  sample();
  clearInterval(sampler);
  gcObserver.disconnect();
  afterMajorGc.sort((a, b) => a - b);
  const after = await sinkStats(sinkUrl);
  checkDelivery(pipeline, delivered, before, after);
  const cpuMicros = cpu.user + cpu.system;
  if (process.env.BENCH_CPU_SPLIT) process.stderr.write(`user ${cpu.user / delivered} sys ${cpu.system / delivered}\n`);
  const maxRss = highWaterRss(); // the kernel's peak, between samples too
  const result: E2eResult = {
    pipeline,
    node: process.version,
    records: delivered,
    delivered,
    wallMillis,
    cpuMicros,
    recordsPerSecond: delivered / (wallMillis / 1000),
    cpuMicrosPerRecord: cpuMicros / delivered,
    peakRssMB: Math.max(peakRss, maxRss) / 2 ** 20,
    peakHeapMB: peakHeap / 2 ** 20,
    heapAfterGcMB: (afterMajorGc[afterMajorGc.length >> 1] ?? 0) / 2 ** 20,
    sinkBytes: after.bytes - before.bytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

void main();
