/**
 * Bundle sizes of the web builds (docs/benchmarks.md, "Bundle size of the web builds"): what a
 * Worker or a page adds, bundled as users bundle (esbuild; wrangler's conditions `workerd`,
 * `worker`, `browser`), minified, raw and gzipped. Needs `npm run build`.
 * Run: `npx tsx scripts/web-bundle-size.ts`.
 */
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { bundle } from '../test/helpers/web-bundle';
import type { BundleTarget } from '../test/helpers/web-bundle';

const ROOT = path.join(__dirname, '..');

/** What each row imports (a tree-shaking bundler keeps what these names reach). */
const CASES: Array<{ name: string; target: BundleTarget; source: string }> = [
  {
    name: '`LokiLogger` (`@otel-loki/push`)',
    target: 'workerd',
    source: `import { LokiLogger } from '@otel-loki/push'; export { LokiLogger };`,
  },
  {
    name: '`LokiLogRecordExporter` + `RequestScopedLogRecordProcessor` (`@otel-loki/exporter`, with push and `@opentelemetry/api`)',
    target: 'workerd',
    source: `export { LokiLogRecordExporter, RequestScopedLogRecordProcessor, flushAfterResponse } from '@otel-loki/exporter';`,
  },
  {
    name: 'the same with `LoggerProvider` (`@opentelemetry/sdk-logs`, `@opentelemetry/resources`): examples/5-cloudflare-worker',
    target: 'workerd',
    source: `export { default } from './examples/5-cloudflare-worker/worker';`,
  },
  {
    name: 'a page: `LoggerProvider` + `BatchLogRecordProcessor` + `LokiLogRecordExporter` (test/fixtures/browsers/page.ts)',
    target: 'browser',
    source: `import './test/fixtures/browsers/page';`,
  },
];

async function main(): Promise<void> {
  console.log('| what | target | minified | gzip |');
  console.log('|---|---|--:|--:|');
  for (const { name, target, source } of CASES) {
    const { code } = await bundle(target, { contents: source, resolveDir: ROOT }, { minify: true });
    const raw = Buffer.byteLength(code);
    const gzip = gzipSync(code).byteLength;
    console.log(`| ${name} | ${target} | ${(raw / 1024).toFixed(1)} KiB | ${(gzip / 1024).toFixed(1)} KiB |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
