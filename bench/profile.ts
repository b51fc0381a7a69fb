/**
 * `node --cpu-prof --import tsx bench/profile.ts [seconds] [--corpus=access] [--sink=<url>]`:
 * the export path alone in a loop, for reading where the time goes (see docs/benchmarks.md).
 * Without `--sink`, the push client's transport answers 204 at once; with it, the real
 * exporter sends over HTTP to that sink (`bench/sink.ts`), each export flushed before the next.
 */
import { corpusBatches, corpusFromArgs } from './corpus';
import { exporterBuild, pushBuild } from './packages';

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };

async function main(): Promise<void> {
  const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 5);
  const corpus = corpusFromArgs(process.argv);
  const sink = process.argv.find((a) => a.startsWith('--sink='))?.slice('--sink='.length);
  const batches = corpusBatches(8, undefined, corpus);
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild;
  const exporter =
    sink === undefined
      ? new LokiLogRecordExporter({
          url: 'http://127.0.0.1:9',
          [INTERNALS]: {
            createClient: (options: ConstructorParameters<typeof pushBuild.LokiPushClient>[0]) =>
              new pushBuild.LokiPushClient(options, { transport: { send: async () => NO_CONTENT, close: () => {} } }),
          },
        } as never)
      : new LokiLogRecordExporter({ url: sink });
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const start = process.cpuUsage();
  while (Date.now() < end) {
    await new Promise<void>((resolve) => exporter.export(batches[n++ % batches.length], () => resolve()));
    if (sink !== undefined) await exporter.forceFlush();
  }
  const cpu = process.cpuUsage(start);
  await exporter.shutdown();
  process.stdout.write(
    `${((cpu.user + cpu.system) / n / batches[0].length).toFixed(2)} µs/record CPU over ${n} batches (${corpus.name} corpus)\n`
  );
}

void main();
