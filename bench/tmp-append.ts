import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../packages/exporter/src/spool';
const IDENTITY = { pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: undefined };
async function run(size: number, n: number, fsync: any) {
  const parent = mkdtempSync(join(tmpdir(), 'ap-'));
  const opened = await Spool.open({ directory: join(parent, 's'), fsync });
  if (opened.status !== 'open') throw new Error();
  const spool = opened.spool;
  const body = Buffer.alloc(size, 3);
  const meta = { entries: 512, oldestNanos: 1n, newestNanos: 2n, uncompressedBytes: size * 3, streamCount: 4 };
  for (let i = 0; i < 50; i++) await spool.acknowledge(((await spool.append(IDENTITY, body, meta)) as any).ref);
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const r = await spool.append(IDENTITY, body, meta);
    await spool.acknowledge((r as any).ref);
  }
  const u = process.cpuUsage(c);
  await spool.close(); rmSync(parent, { recursive: true, force: true });
  return { user: u.user / n, sys: u.system / n };
}
async function main() {
  for (const fsync of ['never']) for (const size of [1000]) console.log(fsync, size, await run(size, 5000, fsync));
}
main();
