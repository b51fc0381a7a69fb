/**
 * Figure 4a under the OpenTelemetry JS 3.x line: the same worker (`e2e-worker.ts`) run by
 * Node 24 with `@opentelemetry/*` 3.x (`@opentelemetry/exporter-logs-otlp-proto` 0.301), from
 * the separate install of `test/otel3` (`npm ci --prefix test/otel3`), which cannot share the
 * workspace's node_modules with the 2.x line.
 *
 * As `test/otel3/run-suite.js` does for the tests, the benchmark sources and the built
 * packages are copied into `test/otel3/.bench/`, so that every `@opentelemetry/*` import
 * resolves to `test/otel3/node_modules` (3.x) and never to the root's (2.x); the rest (tsx,
 * snappy, snappyjs) resolves to `test/otel3/node_modules` or the root's as usual.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const OTEL3 = path.join(ROOT, 'test', 'otel3');
const BENCH_DIR = path.join(OTEL3, '.bench');

/** How to run the worker under the 3.x line. */
export interface Otel3Runner {
  /** Node 24, from the `node` package of `test/otel3`. */
  node: string;
  worker: string;
  /** Versions, for the tables. */
  versions: { node: string; otlpExporter: string; sdkLogs: string };
}

function copyDir(from: string, to: string, filter: (file: string) => boolean): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(source, target, filter);
    else if (filter(source)) fs.copyFileSync(source, target);
  }
}

function version(pkg: string): string {
  const file = path.join(OTEL3, 'node_modules', ...pkg.split('/'), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * Lays out `test/otel3/.bench/` from the built packages and `bench/`; `undefined` (with the
 * reason) when `test/otel3` is not installed.
 */
export function prepareOtel3(): Otel3Runner | string {
  const node = path.join(OTEL3, 'node_modules', 'node', 'bin', 'node');
  if (!fs.existsSync(node)) return 'test/otel3 is not installed (npm ci --prefix test/otel3)';
  fs.rmSync(BENCH_DIR, { recursive: true, force: true });
  copyDir(
    __dirname,
    path.join(BENCH_DIR, 'bench'),
    (f) => f.endsWith('.ts') && !f.includes(`${path.sep}tmp${path.sep}`)
  );
  for (const pkg of ['push', 'exporter']) {
    const dir = path.join(ROOT, 'packages', pkg);
    copyDir(path.join(dir, 'build', 'src'), path.join(BENCH_DIR, 'packages', pkg, 'build', 'src'), (f) =>
      f.endsWith('.js')
    );
    fs.copyFileSync(path.join(dir, 'package.json'), path.join(BENCH_DIR, 'packages', pkg, 'package.json'));
  }
  // The exporter's `@otel-loki/push` imports: the copied build, as the workspace link does.
  const link = path.join(BENCH_DIR, 'node_modules', '@otel-loki', 'push');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(BENCH_DIR, 'packages', 'push'), link, 'dir');
  return {
    node,
    worker: path.join(BENCH_DIR, 'bench', 'e2e-worker.ts'),
    versions: {
      node: version('node'),
      otlpExporter: version('@opentelemetry/exporter-logs-otlp-proto'),
      sdkLogs: version('@opentelemetry/sdk-logs'),
    },
  };
}
