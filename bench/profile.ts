/**
 * `node --cpu-prof --import tsx bench/profile.ts [seconds] [--corpus=access] [--sink=<url>]
 * [--exporter=loki|loki-js|otlp|otlp-gzip]`: the export path alone in a loop, for reading where
 * the time goes (`node bench/read-profile.js <file> --areas`; see docs/benchmarks.md). Without
 * `--sink`, our push client's transport answers 204 at once; with it, the real exporter sends
 * over HTTP to that sink (`bench/sink.ts`), each export flushed before the next. The OTLP
 * exporters need `--sink`.
 */
import { corpusBatches, corpusFromArgs } from './corpus';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { exporterBuild, pushBuild, pushInternalBuild } from './packages';

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };

async function main(): Promise<void> {
  const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 5);
  const corpus = corpusFromArgs(process.argv);
  const sink = process.argv.find((a) => a.startsWith('--sink='))?.slice('--sink='.length);
  const batches = corpusBatches(8, undefined, corpus);
  const { LokiLogRecordExporter, INTERNALS } = exporterBuild;
  const kind = process.argv.find((a) => a.startsWith('--exporter='))?.slice('--exporter='.length) ?? 'loki';
  pushInternalBuild.useSnappyImplementation(kind === 'loki-js' ? 'javascript' : 'native');
  const exporter: LogRecordExporter = kind.startsWith('otlp')
    ? new OTLPLogExporter({
        url: `${sink}/v1/logs`,
        ...(kind === 'otlp-gzip' ? { compression: 'gzip' as never } : {}),
      })
    : sink === undefined
      ? new LokiLogRecordExporter({
          url: 'http://127.0.0.1:9',
          [INTERNALS]: {
            createClient: (options: ConstructorParameters<typeof pushBuild.LokiPushClient>[0]) =>
              new pushBuild.LokiPushClient(options, { transport: { send: async () => NO_CONTENT, close: () => {} } }),
          },
        } as never)
      : (new LokiLogRecordExporter({ url: sink }) as unknown as LogRecordExporter);
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const start = process.cpuUsage();
  while (Date.now() < end) {
    await new Promise<void>((resolve) => exporter.export(batches[n++ % batches.length], () => resolve()));
    if (sink !== undefined) await exporter.forceFlush?.();
  }
  const cpu = process.cpuUsage(start);
  await exporter.shutdown();
  process.stdout.write(
    `${((cpu.user + cpu.system) / n / batches[0].length).toFixed(2)} µs/record CPU over ${n} batches (${kind}, ${corpus.name} corpus)\n`
  );
}

void main();
