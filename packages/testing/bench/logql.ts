/**
 * LogQL benchmark: stores ENTRIES JSON lines over one hour (pushed as Loki JSON over HTTP), then
 * times `sum by (level) (count_over_time({...} | json [5m]))` over that hour with a 60 s step.
 * Prints the query time and the memory per stored entry.
 *
 *   node --expose-gc --import tsx packages/testing/bench/logql.ts [entries]
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
// The built package, as users run it (tsx's transpiled sources add a wrapper per closure).
import { LokiTestServer } from '@otel-loki/testing';

/** Set LOGQL_BENCH_PROFILE=file.cpuprofile to profile the queries only. */
function post(session: inspector.Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
}

const ENTRIES = Number(process.argv[2] ?? 1_000_000);
const STREAMS = 10;
const BATCH = 20_000;
const HOUR_MILLIS = 3_600_000;
const STEP_MILLIS = 60_000;
const RUNS = 5;
const LEVELS = ['info', 'info', 'info', 'warn', 'error', 'debug'];
const QUERY = 'sum by (level) (count_over_time({service_name="bench"} | json [5m]))';

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function line(i: number): string {
  return JSON.stringify({
    level: LEVELS[i % LEVELS.length],
    msg: `request ${i} handled`,
    status: 200 + (i % 5) * 100,
    duration_ms: i % 997,
    route: `/api/items/${i % 50}`,
  });
}

async function main(): Promise<void> {
  const now = Date.now();
  const start = now - HOUR_MILLIS;
  const loki = await LokiTestServer.start({ maxRecvMsgSizeBytes: 512 * 1024 * 1024 });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const stepNanos = (BigInt(HOUR_MILLIS) * 1_000_000n) / BigInt(ENTRIES);
  for (let offset = 0; offset < ENTRIES; offset += BATCH) {
    const streams = Array.from({ length: STREAMS }, (_, s) => ({
      stream: { service_name: 'bench', instance: `i-${s}` },
      values: [] as Array<[string, string]>,
    }));
    for (let i = offset; i < Math.min(offset + BATCH, ENTRIES); i++) {
      const ts = BigInt(start) * 1_000_000n + BigInt(i) * stepNanos;
      streams[i % STREAMS].values.push([ts.toString(), line(i)]);
    }
    const res = await fetch(loki.pushUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams }),
    });
    if (res.status !== 204) throw new Error(`push failed: ${res.status} ${await res.text()}`);
  }
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const rssAfter = process.memoryUsage().rss;
  const profile = process.env.LOGQL_BENCH_PROFILE;
  const session = profile ? new inspector.Session() : undefined;
  if (session) {
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
  }
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let series = 0;
  for (let run = 0; run < RUNS; run++) {
    gc();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const result = loki.query(QUERY, { start, end: now, stepMillis: STEP_MILLIS });
    const cpu = process.cpuUsage(cpu0);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    if (result.resultType === 'matrix') series = result.result.length;
  }
  if (session && profile) {
    const { profile: data } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(profile, JSON.stringify(data));
  }
  await loki.close();
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const perEntry = (n: number): string => `${(n / ENTRIES).toFixed(0)} B`;
  process.stdout.write(
    [
      `entries stored:            ${ENTRIES} in ${STREAMS} streams over 1 h`,
      `query:                     ${QUERY} (1 h, step 60 s) -> ${series} series`,
      `query time (median of ${RUNS}):  ${times[Math.floor(RUNS / 2)].toFixed(0)} ms (min ${times[0].toFixed(0)} ms)`,
      `query CPU time (median):   ${cpuTimes[Math.floor(RUNS / 2)].toFixed(0)} ms (min ${cpuTimes[0].toFixed(0)} ms)`,
      `load average (1 min):      ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
      `heap per stored entry:     ${perEntry(heapAfter - heapBefore)}`,
      `RSS per stored entry:      ${perEntry(rssAfter - rssBefore)}`,
      '',
    ].join('\n')
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
