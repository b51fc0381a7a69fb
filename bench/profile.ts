/**
 * `npx tsx bench/profile.ts [seconds]` under `node --cpu-prof`: the export path alone in a
 * loop, for reading where the time goes (see docs/benchmarks.md).
 */
import { corpusBatches } from './corpus';
import { exporterBuild, pushBuild } from './packages';

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const batches = corpusBatches(8);
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild;
  const exporter = new LokiLogRecordExporter({
    url: 'http://127.0.0.1:9',
    [INTERNALS]: {
      createClient: (options: ConstructorParameters<typeof pushBuild.LokiPushClient>[0]) =>
        new pushBuild.LokiPushClient(options, { transport: { send: async () => NO_CONTENT, close: () => {} } }),
    },
  } as never);
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const start = process.cpuUsage();
  while (Date.now() < end) {
    await new Promise<void>((resolve) => exporter.export(batches[n++ % batches.length], () => resolve()));
  }
  const cpu = process.cpuUsage(start);
  process.stdout.write(
    `${((cpu.user + cpu.system) / n / batches[0].length).toFixed(2)} µs/record CPU over ${n} batches\n`
  );
}

void main();
