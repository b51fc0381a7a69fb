/**
 * `node --import tsx bench/exit-flush.ts [runs]` (after `npm run build`): the cost of the
 * synchronous flush at process exit. A child process emits N records through the SDK under
 * `ExitSafeLogRecordProcessor`, then calls `process.exit(3)`; the child measures its `'exit'`
 * handler from the event to the end of the flush (it runs after ours: listeners run in order of
 * registration, ours first), and the parent checks every record arrived. Loki is
 * LokiTestServer in the parent process (the child's thread blocks while the worker sends).
 * Prints per N: median and max of the flush time over the runs; last line JSON.
 */
import { spawn } from 'node:child_process';
import { LokiTestServer } from '../packages/testing/build/src/index.js';
import { median } from './harness';

const RUNS = Number(process.argv[2] ?? 7);
const SIZES = [0, 1, 200, 2_000];

const CHILD = `
const { performance } = require('node:perf_hooks');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { LokiLogRecordExporter, ExitSafeLogRecordProcessor } = require('./packages/exporter/build/src/index.js');
const exporter = new LokiLogRecordExporter({ url: process.env.LOKI_URL });
const processor = new ExitSafeLogRecordProcessor({ exporter, createProcessor: (e) => new BatchLogRecordProcessor({ exporter: e, scheduledDelayMillis: 600000, maxQueueSize: 10000 }), maxQueueSize: 10000 });
const provider = new LoggerProvider({ processors: [processor] });
const logger = provider.getLogger('bench');
const n = Number(process.env.RECORDS);
for (let i = 0; i < n; i++) logger.emit({ body: 'GET /api/orders/' + i + ' 200 12ms user=u-' + (i % 50), attributes: { 'http.route': '/api/orders/:id' } });
let started = 0;
process.prependListener('exit', () => { started = performance.now(); });
process.on('exit', () => { process.stderr.write('FLUSH ' + (performance.now() - started).toFixed(1) + '\\n'); });
process.exit(3);
`;

function runChild(url: string, records: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      env: { ...process.env, LOKI_URL: url, RECORDS: String(records) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /FLUSH ([\d.]+)/.exec(stderr);
      if (code !== 3 || match === null) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve(Number(match[1]));
    });
  });
}

async function main(): Promise<void> {
  const loki = await LokiTestServer.start({ port: 0 });
  const results: Record<string, { medianMillis: number; maxMillis: number }> = {};
  try {
    for (const records of SIZES) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        loki.reset();
        times.push(await runChild(loki.url, records));
        const stored = loki.entries().length;
        if (stored !== records) throw new Error(`${records} records emitted, ${stored} stored: not a valid run`);
      }
      results[records] = { medianMillis: median(times), maxMillis: Math.max(...times) };
      console.log(
        `${String(records).padStart(5)} records: flush at exit median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (${RUNS} runs, all delivered)`
      );
    }
  } finally {
    await loki.close();
  }
  console.log(JSON.stringify({ node: process.version, runs: RUNS, exitFlush: results }));
}

void main();
