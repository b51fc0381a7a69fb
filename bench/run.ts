/**
 * `npm run bench` (all figures, several minutes) or `npm run bench -- --quick` (under a
 * minute): figures 1–5 of issue 6, ours side by side with the alternatives in the same run.
 * Prints tables, then, as its last line, one JSON object with every figure (for tracking).
 * See docs/benchmarks.md for what each figure measures and the results on the reference machine.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { BATCH_SIZE, corpusBatches } from './corpus';
import type { E2eResult } from './e2e-worker';
import { EXPORT_PATH_TASKS, runExportPath } from './export-path';
import { median } from './harness';
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
};
const FULL: Settings = {
  batches: 16,
  rounds: 7,
  timeMillis: 1000,
  warmupMillis: 300,
  exportOnlyRecords: 200_000,
  exportOnlyRounds: 3,
  e2eRecords: 200_000,
  e2eRounds: 3,
  memoryRecords: 1_000_000,
};

const WORKER = path.join(__dirname, 'e2e-worker.ts');
const SINK = path.join(__dirname, 'sink.ts');
const OTEL_PIPELINES = ['loki', 'loki-js', 'otlp-gzip', 'otlp'] as const;

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function tsxProcess(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function startSink(): Promise<{ url: string; stop: () => void }> {
  const child = tsxProcess(SINK, []);
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve((JSON.parse(text.slice(0, newline)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function runWorker(pipeline: string, records: number, sinkUrl: string, exportOnly: boolean): Promise<E2eResult> {
  const child = tsxProcess(WORKER, [pipeline, String(records), sinkUrl, ...(exportOnly ? ['--export-only'] : [])]);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${pipeline} worker exited with ${code}`);
  return JSON.parse(text.trim().split('\n').pop()!) as E2eResult;
}

/** Runs every pipeline `rounds` times, in an order rotated per round; the median run per pipeline. */
async function runPipelines(
  pipelines: readonly string[],
  records: number,
  rounds: number,
  sinkUrl: string,
  exportOnly: boolean
): Promise<Record<string, E2eResult>> {
  const runs = new Map<string, E2eResult[]>(pipelines.map((p) => [p, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < pipelines.length; i++) {
      const pipeline = pipelines[(i + round) % pipelines.length];
      runs.get(pipeline)!.push(await runWorker(pipeline, records, sinkUrl, exportOnly));
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

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const settings = quick ? QUICK : FULL;
  const machine = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    snappy: pushInternalBuild.snappyImplementation(),
  };
  log(
    `otel-loki benchmarks${quick ? ' (--quick)' : ''}: Node ${machine.node}, ${machine.cpu} x${machine.cores}, default snappy: ${machine.snappy}`
  );
  log(`corpus: batches of ${BATCH_SIZE} records; times are CPU time (process.cpuUsage), medians of interleaved rounds`);
  log();

  // Figures 1–3.
  const batches = corpusBatches(settings.batches);
  const path13 = await runExportPath(batches, settings);
  const m = path13.micros;
  const b = path13.bytes;
  log('## Figures 1-3: export path, CPU per record and bytes per record (same ReadableLogRecords)');
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

  const sink = await startSink();
  let exportHttp: Record<string, E2eResult>;
  let e2e: Record<string, E2eResult>;
  let memory: Record<string, E2eResult> | undefined;
  try {
    // Figure 4a: the exporters' real export() with HTTP, no SDK.
    exportHttp = await runPipelines(
      OTEL_PIPELINES,
      settings.exportOnlyRecords,
      settings.exportOnlyRounds,
      sink.url,
      true
    );
    log(
      `## Figure 4a: export() with HTTP to a loopback sink, no SDK (${settings.exportOnlyRecords} records, batches of ${BATCH_SIZE})`
    );
    table(
      ['exporter', 'CPU µs/record', 'vs OTLP+gzip', 'wire bytes/record'],
      OTEL_PIPELINES.map((p) => [
        p,
        f2(exportHttp[p].cpuMicrosPerRecord),
        `${f2(exportHttp['otlp-gzip'].cpuMicrosPerRecord / exportHttp[p].cpuMicrosPerRecord)}x less`,
        f1(exportHttp[p].sinkBytes / exportHttp[p].records),
      ])
    );

    // Figure 4b: LoggerProvider + BatchLogRecordProcessor + exporter; winston-loki on its own path.
    const pipelines = [...OTEL_PIPELINES, 'winston-loki'];
    e2e = await runPipelines(pipelines, settings.e2eRecords, settings.e2eRounds, sink.url, false);
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
        e2e[p].recordsPerSecond.toFixed(0),
        `${f2(e2e[p].recordsPerSecond / e2e['otlp-gzip'].recordsPerSecond)}x`,
        f2(e2e[p].cpuMicrosPerRecord),
        `${f2(e2e['otlp-gzip'].cpuMicrosPerRecord / e2e[p].cpuMicrosPerRecord)}x less`,
        f1(e2e[p].peakRssMB),
        f1(e2e[p].peakHeapMB),
      ])
    );

    // Figure 5: memory for 1M records end to end.
    if (settings.memoryRecords > 0) {
      memory = await runPipelines(OTEL_PIPELINES, settings.memoryRecords, 1, sink.url, false);
      log(`## Figure 5: peak memory, ${settings.memoryRecords} records end to end`);
      table(
        ['pipeline', 'peak RSS MB', 'vs OTLP+gzip', 'peak heap MB', 'records/s'],
        OTEL_PIPELINES.map((p) => [
          p,
          f1(memory![p].peakRssMB),
          `${f2(memory![p].peakRssMB / memory!['otlp-gzip'].peakRssMB)}x`,
          f1(memory![p].peakHeapMB),
          memory![p].recordsPerSecond.toFixed(0),
        ])
      );
    } else {
      log('## Figure 5: skipped with --quick (1M records take minutes); the e2e peaks above stand in');
      log();
    }
  } finally {
    sink.stop();
  }

  const mem = memory ?? e2e;
  const figures = {
    machine,
    quick,
    exportPathMicrosPerRecord: m,
    bytesPerRecord: b,
    targets: {
      exportPathVsOtlpGzip: m.otlpGzip / m.ours,
      exportPathJsVsOtlpGzip: m.otlpGzip / m.oursJs,
      exportPathVsFloor: m.ours / m.floor,
      exportPathJsVsFloor: m.oursJs / m.floor,
      exportHttpVsOtlpGzip: exportHttp['otlp-gzip'].cpuMicrosPerRecord / exportHttp.loki.cpuMicrosPerRecord,
      exportHttpJsVsOtlpGzip: exportHttp['otlp-gzip'].cpuMicrosPerRecord / exportHttp['loki-js'].cpuMicrosPerRecord,
      e2eThroughputVsOtlpGzip: e2e.loki.recordsPerSecond / e2e['otlp-gzip'].recordsPerSecond,
      e2eThroughputJsVsOtlpGzip: e2e['loki-js'].recordsPerSecond / e2e['otlp-gzip'].recordsPerSecond,
      peakRssVsOtlp: mem.loki.peakRssMB / mem['otlp-gzip'].peakRssMB,
      peakRssJsVsOtlp: mem['loki-js'].peakRssMB / mem['otlp-gzip'].peakRssMB,
      memoryRecords: mem.loki.records,
    },
    exportHttp: Object.fromEntries(
      Object.entries(exportHttp).map(([k, v]) => [
        k,
        { cpuMicrosPerRecord: v.cpuMicrosPerRecord, wireBytesPerRecord: v.sinkBytes / v.records },
      ])
    ),
    e2e: Object.fromEntries(
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
    memory:
      memory &&
      Object.fromEntries(
        Object.entries(memory).map(([k, v]) => [
          k,
          { records: v.records, peakRssMB: v.peakRssMB, peakHeapMB: v.peakHeapMB },
        ])
      ),
  };
  log(JSON.stringify(figures));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
