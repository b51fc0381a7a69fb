/**
 * The disk spool's cost (issue 11 §2, §4): µs per `append` of a realistic encoded request
 * (~500 records, protobuf + snappy through `@otel-loki/push`'s public `encodePushRequest` and
 * `snappyCompress`), per `acknowledge`, per request read back by `pending()`, and disk bytes
 * per record. Run: `npm run build && node --import tsx bench/spool.ts [requests]`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../packages/exporter/src/spool';
import type { SpoolFsyncPolicy, SpoolRecordMeta, SpoolRef } from '../packages/exporter/src/spool';
import { pushBuild } from './packages';

const RECORDS_PER_REQUEST = 500;
const REQUESTS = Number(process.argv[2] ?? 400);
const IDENTITY = { pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: undefined };
const BASE_NANOS = 1_767_323_045_000_000_000n;
const WORDS = (
  'request completed order cart item payment authorized declined retry upstream timeout cache hit miss ' +
  'user session token refreshed inventory reserved released shipping quote computed currency converted'
).split(' ');
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];

/** mulberry32: a reproducible corpus. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request of RECORDS_PER_REQUEST records in 4 streams, like an export batch of the exporter. */
function request(index: number): { body: Uint8Array; meta: SpoolRecordMeta } {
  const random = prng(index + 1);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const streams = LEVELS.slice(2).map((level, s) => ({
    labels: `{service_name="checkout", service_namespace="shop", deployment_environment="production", level="${level}", stream="${s}"}`,
    entries: [] as Array<{ timestampNanos: bigint; line: string; metadata: Array<{ name: string; value: string }> }>,
  }));
  let uncompressed = 0;
  for (let i = 0; i < RECORDS_PER_REQUEST; i++) {
    const words = Array.from(
      { length: 12 + Math.floor(random() * 14) },
      () => WORDS[Math.floor(random() * WORDS.length)]
    );
    const line = `${words.join(' ')} id=${Math.floor(random() * 1e6)} duration_ms=${Math.floor(random() * 900)}`;
    const metadata = [
      { name: 'trace_id', value: hex(32) },
      { name: 'span_id', value: hex(16) },
      { name: 'scope_name', value: '@shop/checkout' },
    ];
    uncompressed += line.length + metadata.reduce((sum, m) => sum + m.name.length + m.value.length, 0);
    streams[i % streams.length].entries.push({
      timestampNanos: BASE_NANOS + BigInt(index * 1e9 + i * 1e6),
      line,
      metadata,
    });
  }
  const body = pushBuild.snappyCompress(pushBuild.encodePushRequest(streams));
  const meta = {
    entries: RECORDS_PER_REQUEST,
    oldestNanos: BASE_NANOS,
    newestNanos: BASE_NANOS + 1n,
    uncompressedBytes: uncompressed,
    contentType: 'application/x-protobuf',
    streams: streams.map((s) => s.labels),
  };
  return { body, meta };
}

async function run(fsync: SpoolFsyncPolicy, requests: Array<{ body: Uint8Array; meta: SpoolRecordMeta }>) {
  const parent = mkdtempSync(join(tmpdir(), 'otel-loki-spool-bench-'));
  const directory = join(parent, 'spool');
  try {
    const opened = await Spool.open({ directory, fsync });
    if (opened.status !== 'open') throw new Error(opened.message);
    const spool = opened.spool;
    const refs: SpoolRef[] = [];
    let started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (const { body, meta } of requests) {
      const result = await spool.append(IDENTITY, body, meta, { inFlight: false });
      if (result.status !== 'stored') throw new Error(`not stored: ${result.reason}`);
      refs.push(result.ref);
    }
    const appendMicros = Number(process.hrtime.bigint() - started) / 1e3 / requests.length;
    const { user, system } = process.cpuUsage(cpu);
    const appendCpuMicros = (user + system) / requests.length;
    const diskBytes = readdirSync(directory)
      .filter((n) => n.startsWith('seg.'))
      .reduce((sum, n) => sum + statSync(join(directory, n)).size, 0);
    await spool.close();

    started = process.hrtime.bigint();
    const reopened = await Spool.open({ directory, fsync });
    if (reopened.status !== 'open') throw new Error(reopened.message);
    const openMicros = Number(process.hrtime.bigint() - started) / 1e3;
    const handedOut: SpoolRef[] = [];
    started = process.hrtime.bigint();
    for await (const item of reopened.spool.pending(IDENTITY)) handedOut.push(item.ref);
    const readMicros = Number(process.hrtime.bigint() - started) / 1e3 / requests.length;
    started = process.hrtime.bigint();
    for (const ref of handedOut) await reopened.spool.acknowledge(ref);
    const ackMicros = Number(process.hrtime.bigint() - started) / 1e3 / requests.length;
    await reopened.spool.close();
    return { appendMicros, appendCpuMicros, openMicros, readMicros, ackMicros, diskBytes, handedOut: handedOut.length };
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const requests = Array.from({ length: REQUESTS }, (_, i) => request(i));
  const bodyBytes = requests.reduce((sum, r) => sum + r.body.length, 0);
  const records = REQUESTS * RECORDS_PER_REQUEST;
  console.log(
    `${REQUESTS} requests of ${RECORDS_PER_REQUEST} records, body ${(bodyBytes / REQUESTS / 1024).toFixed(1)} KiB per request ` +
      `(${(bodyBytes / records).toFixed(1)} B per record compressed), spool in ${tmpdir()}`
  );
  for (const fsync of ['interval', 'always'] as const) {
    await run(fsync, requests.slice(0, 20)); // warm-up
    const r = await run(fsync, requests);
    if (r.handedOut !== REQUESTS) throw new Error(`handed out ${r.handedOut} of ${REQUESTS}`);
    console.log(
      [
        `fsync=${fsync}:`,
        `append ${r.appendMicros.toFixed(0)} µs/request wall, ${r.appendCpuMicros.toFixed(0)} µs CPU (${((r.appendCpuMicros * 1000) / RECORDS_PER_REQUEST).toFixed(0)} ns CPU/record),`,
        `read back ${r.readMicros.toFixed(0)} µs/request, acknowledge ${r.ackMicros.toFixed(0)} µs/request,`,
        `reopen (scan ${(r.diskBytes / 1e6).toFixed(1)} MB) ${(r.openMicros / 1000).toFixed(0)} ms,`,
        `disk ${(r.diskBytes / records).toFixed(1)} B/record (${(r.diskBytes / bodyBytes - 1) * 100 > 0 ? '+' : ''}${((r.diskBytes / bodyBytes - 1) * 100).toFixed(2)} % over the bodies)`,
      ].join(' ')
    );
  }
}

void main();
