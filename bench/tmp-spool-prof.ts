import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { corpusBatches } from './corpus';
import { exporterBuild, pushBuild } from './packages';
const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };
async function main() {
  const batches = corpusBatches(16) as ReadableLogRecord[][];
  const parent = mkdtempSync(path.join(tmpdir(), 'ab-'));
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild as any;
  const e = new LokiLogRecordExporter({ url: 'http://127.0.0.1:9', spool: { directory: path.join(parent, 'spool') },
    [INTERNALS]: { createClient: (o: any) => new (pushBuild as any).LokiPushClient(o, { transport: { send: async () => NO_CONTENT, close() {} } }) } });
  for (let i = 0; i < 3000; i++) { await new Promise((r) => e.export(batches[i % 16], r)); await e.forceFlush(); }
  await e.shutdown(); rmSync(parent, { recursive: true, force: true });
}
main();
