/**
 * `npm run bench` (all figures, several minutes) or `npm run bench -- --quick` (under a
 * minute): figures 1–5 of issue 6, ours side by side with the alternatives in the same run.
 * Prints tables, then, as its last line, one JSON object with every figure (for tracking).
 * See docs/benchmarks.md for what each figure measures and the results on the reference machine.
 */
import * as os from 'node:os';
import { BATCH_SIZE, CORPORA, corpusBatches } from './corpus';
import type { Corpus } from './corpus';
import type { E2eResult } from './e2e-worker';
import { EXPORT_PATH_TASKS, runExportPath } from './export-path';
import type { ExportPathFigures } from './export-path';
import { median } from './harness';
import { prepareOtel3 } from './otel3';
import type { Otel3Runner } from './otel3';
import { DEFAULT_RUNTIME, runWorker, startSink } from './worker-processes';
import type { WorkerRuntime } from './worker-processes';
import { pushInternalBuild } from './packages';

interface Settings {
  batches: number;
  rounds: number;
  timeMillis: number;
  warmupMillis: number;
  exportOnlyRecords: number;
  exportOnlyRounds: number;
  e2eRecords: number;
  e2eRounds: number;
  memoryRecords: number;
  /** Alternated 1M-record runs per pipeline (issue 14: the median of at least 5). */
  memoryRounds: number;
  /**
   * Records per second of figure 5's paced runs: every pipeline under the same load (below
   * the slowest one's free-running rate), so that the heap V8 sizes by the SDK's allocation
   * rate is the same for all.
   */
  memoryRate: number;
}

const QUICK: Settings = {
  batches: 8,
  rounds: 3,
  timeMillis: 200,
  warmupMillis: 80,
  exportOnlyRecords: 20_000,
  exportOnlyRounds: 1,
  e2eRecords: 30_000,
  e2eRounds: 1,
  memoryRecords: 0, // the e2e runs stand in; 1M records take minutes
  memoryRounds: 0,
  memoryRate: 0,
};
const FULL: Settings = {
  batches: 16,
  rounds: 7,
  timeMillis: 1000,
  warmupMillis: 300,
  exportOnlyRecords: 200_000,
  exportOnlyRounds: 5,
  e2eRecords: 200_000,
  e2eRounds: 3,
  memoryRecords: 1_000_000,
  memoryRounds: 5,
  memoryRate: 25_000,
};

const OTEL_PIPELINES = ['loki', 'loki-js', 'otlp-gzip', 'otlp'] as const;
/** Figure 5's pipelines: the four, and the SDK alone (an exporter that sends nothing) as the baseline. */
const MEMORY_PIPELINES = [...OTEL_PIPELINES, 'sdk-only'] as const;
type CorpusName = Corpus['name'];
const CORPUS_NAMES: readonly CorpusName[] = ['standard', 'access'];

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Runs every pipeline `rounds` times, in an order rotated per round; the median run per pipeline. */
async function runPipelines(
  pipelines: readonly string[],
  records: number,
  rounds: number,
  sinkUrl: string,
  exportOnly: boolean,
  extraArgs: readonly string[] = [],
  runtime: WorkerRuntime = DEFAULT_RUNTIME
): Promise<Record<string, E2eResult>> {
  const runs = new Map<string, E2eResult[]>(pipelines.map((p) => [p, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < pipelines.length; i++) {
      const pipeline = pipelines[(i + round) % pipelines.length];
      runs.get(pipeline)!.push(await runWorker(pipeline, records, sinkUrl, exportOnly, extraArgs, runtime));
    }
  }
  const out: Record<string, E2eResult> = {};
  for (const [pipeline, results] of runs) {
    const m = median(results.map((r) => r.cpuMicrosPerRecord));
    const representative = results.find((r) => r.cpuMicrosPerRecord === m) ?? results[0];
    out[pipeline] = {
      ...representative,
      cpuMicrosPerRecord: m,
      recordsPerSecond: median(results.map((r) => r.recordsPerSecond)),
      peakRssMB: median(results.map((r) => r.peakRssMB)),
      peakHeapMB: median(results.map((r) => r.peakHeapMB)),
      heapAfterGcMB: median(results.map((r) => r.heapAfterGcMB)),
    };
  }
  return out;
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  log(line(headers));
  log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) log(line(row));
  log();
}

/** Which parts run: `--only=path,http,http3,e2e,memory` (default: all). */
function partsFromArgs(argv: readonly string[]): Set<string> {
  const arg = argv.find((a) => a.startsWith('--only='));
  return new Set(
    arg === undefined ? ['path', 'http', 'http3', 'e2e', 'memory'] : arg.slice('--only='.length).split(',')
  );
}

function exportPathTable(path13: ExportPathFigures): void {
  const m = path13.micros;
  const b = path13.bytes;
  table(
    ['task', 'µs/record', 'vs OTLP+gzip', 'vs floor'],
    (Object.keys(EXPORT_PATH_TASKS) as (keyof typeof EXPORT_PATH_TASKS)[]).map((key) => [
      EXPORT_PATH_TASKS[key],
      f2(m[key]),
      `${f2(m.otlpGzip / m[key])}x less`,
      `${f2(m[key] / m.floor)}x`,
    ])
  );
  table(
    ['bytes per record', 'bytes'],
    [
      ['loki push, uncompressed protobuf', f1(b.lokiUncompressed)],
      ['loki push, snappy (our JS compressor)', f1(b.lokiSnappy)],
      ['loki push, snappy (native)', f1(b.lokiNativeSnappy)],
      ['OTLP proto', f1(b.otlpProto)],
      ['OTLP proto + gzip', f1(b.otlpProtoGzip)],
    ]
  );
}

function exportHttpTable(results: Record<string, E2eResult>): void {
  table(
    ['exporter', 'CPU µs/record', 'vs OTLP+gzip', 'vs OTLP', 'wire bytes/record'],
    OTEL_PIPELINES.map((p) => [
      p,
      f2(results[p].cpuMicrosPerRecord),
      `${f2(results['otlp-gzip'].cpuMicrosPerRecord / results[p].cpuMicrosPerRecord)}x less`,
      `${f2(results.otlp.cpuMicrosPerRecord / results[p].cpuMicrosPerRecord)}x less`,
      f1(results[p].sinkBytes / results[p].records),
    ])
  );
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const parts = partsFromArgs(process.argv);
  const settings = quick ? QUICK : FULL;
  const machine = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: os.loadavg(),
    snappy: pushInternalBuild.snappyImplementation(),
  };
  log(
    `otel-loki benchmarks${quick ? ' (--quick)' : ''}: Node ${machine.node}, ${machine.cpu} x${machine.cores}, load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}, default snappy: ${machine.snappy}`
  );
  log(`corpus: batches of ${BATCH_SIZE} records; times are CPU time (process.cpuUsage), medians of interleaved rounds`);
  log();

  // Figures 1–3, on each corpus.
  const exportPath: Partial<Record<CorpusName, ExportPathFigures>> = {};
  if (parts.has('path')) {
    for (const corpus of CORPUS_NAMES) {
      const batches = corpusBatches(corpus === 'access' ? 8 : settings.batches, undefined, CORPORA[corpus]);
      exportPath[corpus] = await runExportPath(batches, settings);
      log(
        `## Figures 1-3 (${corpus} corpus): export path, CPU per record and bytes per record (same ReadableLogRecords)`
      );
      exportPathTable(exportPath[corpus]);
    }
  }

  const sink = await startSink();
  const exportHttp: Partial<Record<string, Record<string, E2eResult>>> = {};
  let e2e: Record<string, E2eResult> | undefined;
  let otel3Versions: Otel3Runner['versions'] | undefined;
  let memory: Record<string, E2eResult> | undefined;
  let memoryPaced: Record<string, E2eResult> | undefined;
  try {
    // Figure 4a: the exporters' real export() with HTTP, no SDK, on each corpus.
    if (parts.has('http')) {
      for (const corpus of CORPUS_NAMES) {
        exportHttp[corpus] = await runPipelines(
          OTEL_PIPELINES,
          settings.exportOnlyRecords,
          settings.exportOnlyRounds,
          sink.url,
          true,
          [`--corpus=${corpus}`]
        );
        log(
          `## Figure 4a (${corpus} corpus): export() with HTTP to a loopback sink, no SDK (${settings.exportOnlyRecords} records, batches of ${BATCH_SIZE})`
        );
        exportHttpTable(exportHttp[corpus]);
      }
    }

    // Figure 4a under Node 24 and the OTel 3.x line (the rival: exporter-logs-otlp-proto 0.301).
    if (parts.has('http3')) {
      const runner = prepareOtel3();
      if (typeof runner === 'string') {
        log(`## Figure 4a under OTel 3.x: skipped, ${runner}`);
        log();
      } else {
        otel3Versions = runner.versions;
        for (const corpus of CORPUS_NAMES) {
          exportHttp[`otel3.${corpus}`] = await runPipelines(
            OTEL_PIPELINES,
            settings.exportOnlyRecords,
            settings.exportOnlyRounds,
            sink.url,
            true,
            [`--corpus=${corpus}`],
            runner
          );
          log(
            `## Figure 4a under Node ${runner.versions.node}, sdk-logs ${runner.versions.sdkLogs}, exporter-logs-otlp-proto ${runner.versions.otlpExporter} (${corpus} corpus, ${settings.exportOnlyRecords} records)`
          );
          exportHttpTable(exportHttp[`otel3.${corpus}`]!);
        }
      }
    }

    // Figure 4b: LoggerProvider + BatchLogRecordProcessor + exporter; winston-loki on its own path.
    if (parts.has('e2e')) {
      const pipelines = [...OTEL_PIPELINES, 'winston-loki'];
      e2e = await runPipelines(pipelines, settings.e2eRecords, settings.e2eRounds, sink.url, false);
      const r = e2e;
      log(
        `## Figure 4b: end to end, SDK + BatchLogRecordProcessor + exporter -> loopback sink (${settings.e2eRecords} records)`
      );
      log(
        'winston-loki: winston + its own Loki transport (protobuf, native snappy): its own logger path, not the OTel SDK.'
      );
      table(
        ['pipeline', 'records/s', 'vs OTLP+gzip', 'CPU µs/record', 'vs OTLP+gzip', 'peak RSS MB', 'peak heap MB'],
        pipelines.map((p) => [
          p,
          r[p].recordsPerSecond.toFixed(0),
          `${f2(r[p].recordsPerSecond / r['otlp-gzip'].recordsPerSecond)}x`,
          f2(r[p].cpuMicrosPerRecord),
          `${f2(r['otlp-gzip'].cpuMicrosPerRecord / r[p].cpuMicrosPerRecord)}x less`,
          f1(r[p].peakRssMB),
          f1(r[p].peakHeapMB),
        ])
      );
    }

    // Figure 5: memory for 1M records end to end, alternated runs, medians: free-running (each
    // pipeline as fast as it goes), then paced (every pipeline at the same record rate).
    if (parts.has('memory') && settings.memoryRecords > 0) {
      memory = await runPipelines(MEMORY_PIPELINES, settings.memoryRecords, settings.memoryRounds, sink.url, false);
      memoryPaced = await runPipelines(
        MEMORY_PIPELINES,
        settings.memoryRecords,
        settings.memoryRounds,
        sink.url,
        false,
        [`--rate=${settings.memoryRate}`]
      );
      for (const [title, r] of [
        ['as fast as each pipeline goes', memory],
        [`paced at ${settings.memoryRate} records/s`, memoryPaced],
      ] as const) {
        log(
          `## Figure 5: peak memory, ${settings.memoryRecords} records end to end, ${title} (medians of ${settings.memoryRounds} alternated runs)`
        );
        table(
          ['pipeline', 'peak RSS MB', 'vs OTLP', 'vs OTLP+gzip', 'peak heap MB', 'heap after GC MB', 'records/s'],
          MEMORY_PIPELINES.map((p) => [
            p,
            f1(r[p].peakRssMB),
            `${f2(r[p].peakRssMB / r.otlp.peakRssMB)}x`,
            `${f2(r[p].peakRssMB / r['otlp-gzip'].peakRssMB)}x`,
            f1(r[p].peakHeapMB),
            f1(r[p].heapAfterGcMB),
            r[p].recordsPerSecond.toFixed(0),
          ])
        );
      }
    } else if (parts.has('memory')) {
      log('## Figure 5: skipped with --quick (1M records take minutes)');
      log();
    }
  } finally {
    sink.stop();
  }

  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a / b;
  const targets: Record<string, number | undefined> = {};
  for (const corpus of [...CORPUS_NAMES, ...CORPUS_NAMES.map((c) => `otel3.${c}`)]) {
    const m = exportPath[corpus as CorpusName]?.micros;
    targets[`${corpus}.exportPathVsFloor`] = ratio(m?.ours, m?.floor);
    targets[`${corpus}.exportPathJsVsFloor`] = ratio(m?.oursJs, m?.floor);
    const h = exportHttp[corpus];
    for (const ours of ['loki', 'loki-js']) {
      targets[`${corpus}.${ours}.exportHttpVsOtlpGzip`] = ratio(
        h?.['otlp-gzip'].cpuMicrosPerRecord,
        h?.[ours].cpuMicrosPerRecord
      );
      targets[`${corpus}.${ours}.exportHttpVsOtlp`] = ratio(h?.otlp.cpuMicrosPerRecord, h?.[ours].cpuMicrosPerRecord);
    }
  }
  targets.peakRssVsOtlp = ratio(memory?.loki.peakRssMB, memory?.otlp.peakRssMB);
  targets.peakRssJsVsOtlp = ratio(memory?.['loki-js'].peakRssMB, memory?.otlp.peakRssMB);
  targets.pacedPeakRssVsOtlp = ratio(memoryPaced?.loki.peakRssMB, memoryPaced?.otlp.peakRssMB);
  targets.pacedPeakRssJsVsOtlp = ratio(memoryPaced?.['loki-js'].peakRssMB, memoryPaced?.otlp.peakRssMB);
  const figures = {
    machine,
    otel3Versions,
    quick,
    exportPath,
    targets,
    exportHttp: Object.fromEntries(
      Object.entries(exportHttp).map(([corpus, results]) => [
        corpus,
        Object.fromEntries(
          Object.entries(results!).map(([k, v]) => [
            k,
            { cpuMicrosPerRecord: v.cpuMicrosPerRecord, wireBytesPerRecord: v.sinkBytes / v.records },
          ])
        ),
      ])
    ),
    e2e:
      e2e &&
      Object.fromEntries(
        Object.entries(e2e).map(([k, v]) => [
          k,
          {
            recordsPerSecond: v.recordsPerSecond,
            cpuMicrosPerRecord: v.cpuMicrosPerRecord,
            peakRssMB: v.peakRssMB,
            peakHeapMB: v.peakHeapMB,
          },
        ])
      ),
    memory: memory && memoryFigures(memory),
    memoryPaced: memoryPaced && memoryFigures(memoryPaced),
  };
  log(JSON.stringify(figures));
}

function memoryFigures(results: Record<string, E2eResult>): Record<string, object> {
  return Object.fromEntries(
    Object.entries(results).map(([k, v]) => [
      k,
      {
        records: v.records,
        recordsPerSecond: v.recordsPerSecond,
        peakRssMB: v.peakRssMB,
        peakHeapMB: v.peakHeapMB,
        heapAfterGcMB: v.heapAfterGcMB,
      },
    ])
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
