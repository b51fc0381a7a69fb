import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { corpusBatches } from './corpus';
import { exporterBuild, pushBuild } from './packages';

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };
function make(spool: string | undefined) {
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild as any;
  return new LokiLogRecordExporter({
    url: 'http://127.0.0.1:9',
    ...(spool ? { spool: { directory: spool, fsync: (process.env.FSYNC ?? 'interval') as any } } : {}),
    [INTERNALS]: {
      createClient: (o: any) => new (pushBuild as any).LokiPushClient(o, { transport: { send: async () => NO_CONTENT, close() {} } }),
    },
  });
}
const sys: number[] = [];
async function main() {
  const batches = corpusBatches(16) as ReadableLogRecord[][];
  const parent = mkdtempSync(path.join(tmpdir(), 'ab-'));
  const off = make(undefined);
  const on = make(path.join(parent, 'spool'));
  const run = async (e: any, n: number) => {
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      await new Promise((r) => e.export(batches[i % 16], r));
      await e.forceFlush();
    }
    const u = process.cpuUsage(t);
    sys.push(u.system / (n * 512));
    return (u.user + u.system) / (n * 512);
  };
  await run(off, 50); await run(on, 50);
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < 12; r++) { a.push(await run(off, 100)); b.push(await run(on, 100)); }
  const med = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1];
  const so = sys.filter((_, i) => i % 2 === 0 && i >= 2), sn = sys.filter((_, i) => i % 2 === 1 && i >= 2);
  console.log('sys off', med(so).toFixed(3), 'sys on', med(sn).toFixed(3));
  console.log('off', med(a).toFixed(3), 'on', med(b).toFixed(3), 'ratio', (med(b) / med(a)).toFixed(3));
  await off.shutdown(); await on.shutdown(); rmSync(parent, { recursive: true, force: true });
}
main();
