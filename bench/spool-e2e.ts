/**
 * The disk spool through the real exporter (issue 11 §4, issue 14's spool row):
 *
 * 1. CPU per record with the spool on vs off: `e2e-worker.ts` pipelines `loki` and `loki-spool`,
 *    export-only (batches of 512 corpus records through the real `export()`, HTTP to the sink in
 *    another process) and through the SDK, rounds alternated, median per pipeline;
 * 2. disk bytes per record, and 3. the drain after an outage: the exporter (spool on) exports
 *    `records` corpus records while `LokiTestServer` answers 503, then the server comes back with
 *    Loki's default rate limits on (4 MiB/s per tenant with a 6 MiB burst, 3 MiB/s per stream with
 *    15 MiB): time until every record is stored, 429s met, drain rate.
 *
 * Run: `npm run build && node --import tsx bench/spool-e2e.ts [--quick] [--drain-only]`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { LokiTestServer } from '@otel-loki/testing';
import { corpusBatches } from './corpus';
import type { E2eResult } from './e2e-worker';
import { median } from './harness';
import { exporterBuild } from './packages';
import { runWorker, startSink } from './worker-processes';

const QUICK = process.argv.includes('--quick');
const RECORDS = QUICK ? 50_000 : 200_000;
const ROUNDS = QUICK ? 3 : 5;
const OUTAGE_RECORDS = QUICK ? 100_000 : 500_000;
const MIB = 1024 * 1024;
/** Time between two cycles of the corpus in the drain: longer than the ~4.1 s one cycle spans. */
const CYCLE_MILLIS = 8_192;

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function checkedRun(pipeline: string, records: number, sinkUrl: string, exportOnly: boolean): Promise<E2eResult> {
  const result = await runWorker(pipeline, records, sinkUrl, exportOnly);
  if (result.delivered < records) throw new Error(`${pipeline}: ${result.delivered} of ${records} delivered`);
  return result;
}

async function cpuOnOff(sinkUrl: string, exportOnly: boolean): Promise<void> {
  const runs: Record<string, number[]> = { loki: [], 'loki-spool': [] };
  const rss: Record<string, number[]> = { loki: [], 'loki-spool': [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['loki', 'loki-spool'] : ['loki-spool', 'loki'];
    for (const pipeline of order) {
      const result = await checkedRun(pipeline, RECORDS, sinkUrl, exportOnly);
      runs[pipeline].push(result.cpuMicrosPerRecord);
      rss[pipeline].push(result.peakRssMB);
    }
  }
  const off = median(runs.loki);
  const on = median(runs['loki-spool']);
  log(
    `| ${exportOnly ? 'export() only' : 'SDK pipeline'} | ${off.toFixed(2)} | ${on.toFixed(2)} | ${((on / off - 1) * 100).toFixed(1)} % | ${median(rss.loki).toFixed(0)} / ${median(rss['loki-spool']).toFixed(0)} |`
  );
  log(
    `<!-- runs off: ${runs.loki.map((v) => v.toFixed(2)).join(' ')}; on: ${runs['loki-spool'].map((v) => v.toFixed(2)).join(' ')} -->`
  );
}

function directoryBytes(directory: string): number {
  let total = 0;
  for (const name of readdirSync(directory)) total += statSync(path.join(directory, name)).size;
  return total;
}

async function drain(): Promise<void> {
  const loki = await LokiTestServer.start({
    port: 0,
    limits: {
      ingestionRateBytesPerSecond: 4 * MIB,
      ingestionBurstSizeBytes: 6 * MIB,
      perStreamRateLimitBytesPerSecond: 3 * MIB,
      perStreamRateLimitBurstBytes: 15 * MIB,
    },
  });
  const parent = mkdtempSync(path.join(tmpdir(), 'otel-loki-bench-drain-'));
  const directory = path.join(parent, 'spool');
  try {
    loki.failWhen((request) => request.kind === 'push', { status: 503 });
    const exporter = new exporterBuild.LokiLogRecordExporter({ url: loki.url, spool: { directory } });
    let exported = 0;
    // Distinct records in time order: the corpus again each cycle, after the previous one (16
    // batches of 512 span ~4.1 s), as an outage's records are; Loki would drop repeats as duplicates.
    const cycles = Math.ceil(OUTAGE_RECORDS / (16 * 512));
    const base = Date.now() - 120_000 - cycles * CYCLE_MILLIS;
    for (let cycle = 0; exported < OUTAGE_RECORDS; cycle++) {
      for (const batch of corpusBatches(16, base + cycle * CYCLE_MILLIS) as ReadableLogRecord[][]) {
        await new Promise((resolve) => exporter.export(batch, resolve));
        exported += batch.length;
      }
    }
    const spooled = directoryBytes(directory);
    const stats = exporter.stats;
    log(
      `disk: ${exported} records in ${(spooled / MIB).toFixed(1)} MiB = ${(spooled / exported).toFixed(0)} bytes per record (spool entries ${stats.spoolEntries})`
    );
    loki.clearFailures();
    const started = Date.now();
    const before = loki.counters;
    void exporter.forceFlush();
    const deadline = started + 600_000;
    // Bounded by the deadline.
    while (loki.counters.entriesStored - before.entriesStored < exported && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (Date.now() - started) / 1000;
    const after = loki.counters;
    const stored = after.entriesStored - before.entriesStored;
    const throttled = (after.byStatus[429] ?? 0) - (before.byStatus[429] ?? 0);
    // What Loki's rate limit counts: lines plus structured metadata names and values.
    let bytes = 0;
    for (const entry of loki.entries()) {
      bytes += Buffer.byteLength(entry.line);
      for (const [name, value] of Object.entries(entry.metadata ?? {})) bytes += name.length + value.length;
    }
    log(
      `drain: ${stored} of ${exported} records stored in ${seconds.toFixed(1)} s = ${Math.round(stored / seconds)} records/s, ${(bytes / MIB / seconds).toFixed(2)} MiB/s of lines and metadata against the 4 MiB/s limit; ${throttled} pushes answered 429 out of ${after.pushRequests - before.pushRequests}`
    );
    await exporter.shutdown();
  } finally {
    await loki.close();
    rmSync(parent, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  log(`# Disk spool: on vs off (${RECORDS} records per run, ${ROUNDS} rounds alternated, medians)`);
  log();
  log('| path | µs CPU per record, spool off | spool on | cost | peak RSS MB off / on |');
  log('|---|---:|---:|---:|---:|');
  if (!process.argv.includes('--drain-only')) {
    const sink = await startSink();
    try {
      await cpuOnOff(sink.url, true);
      await cpuOnOff(sink.url, false);
    } finally {
      sink.stop();
    }
  }
  log();
  await drain();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
