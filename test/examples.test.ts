/**
 * Smoke test of `examples/`: each example runs as a child process (through tsx, as its header
 * says) against LokiTestServer, and what it sent is read back. Needs `npm run build`.
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';

const ROOT = path.join(__dirname, '..');
const CHILD_TIMEOUT_MILLIS = 30_000;
const TRACE_ID = /^[0-9a-f]{32}$/;

/** Runs `node --import tsx examples/<file>` with `env`; resolves with its exit code and output. */
function runExample(file: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('LOKI_'))
  );
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', file)], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} still running after ${CHILD_TIMEOUT_MILLIS} ms: ${output}`));
    }, CHILD_TIMEOUT_MILLIS);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('examples/ (smoke, child processes)', function () {
  this.timeout(CHILD_TIMEOUT_MILLIS * 2);
  let loki: LokiTestServer;

  before(async () => {
    loki = await LokiTestServer.start({ port: 0 });
  });
  after(async () => {
    await loki.close();
  });

  it('type-check (examples/tsconfig.json, strict like the packages)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'examples', 'tsconfig.json')], { stdio: 'pipe' })
    ).to.not.throw();
  });

  it('1-minimal: one record through LoggerProvider + exporter', async () => {
    const { code, output } = await runExample('1-minimal/index.ts', { LOKI_URL: loki.url });

    expect(code, output).to.equal(0);
    const [entry] = loki.entries({ selector: '{service_name="example-minimal"}' });
    expect(entry.line).to.equal('Hello, Loki');
    expect(entry.labels).to.include({ deployment_environment_name: 'dev' });
    expect(entry.metadata).to.include({ user_id: 'u-42', severity_text: 'INFO' });
  });

  it('2-nodesdk-http-winston: winston logs carry the request span’s trace id', async () => {
    const { code, output } = await runExample('2-nodesdk-http-winston/index.ts', { LOKI_URL: loki.url });

    expect(code, output).to.equal(0);
    const entries = loki.entries({ selector: '{service_name="example-http-winston"}' });
    expect(entries.map((e) => e.line).sort()).to.deep.equal(['no such route', 'order fetched', 'order fetched']);
    for (const entry of entries) expect(entry.metadata.trace_id).to.match(TRACE_ID);
    expect(new Set(entries.map((e) => e.metadata.trace_id)).size).to.equal(3);
  });

  it('3-loki-logger: single, batch, metadata, custom timestamps', async () => {
    const { code, output } = await runExample('3-loki-logger/index.ts', { LOKI_URL: loki.url });

    expect(code, output).to.equal(0);
    const entries = loki.entries({ selector: '{job="example_loki_logger"}' });
    expect(entries.map((e) => e.line).sort()).to.deep.equal([
      'API request received',
      'Application started',
      'Cache miss',
      'Local time in Paris',
      'Nanosecond string',
    ]);
    expect(entries.find((e) => e.line === 'API request received')!.metadata).to.include({ request_id: 'req123' });
    // The Paris local time was read in the logger's timezone: within a minute of now, not an hour off.
    const paris = entries.find((e) => e.line === 'Local time in Paris')!;
    expect(Math.abs(Number(paris.timestampNanos / 1_000_000n) - Date.now())).to.be.below(60_000);
  });

  it('4-starter-kit: a service importing telemetry.ts first, configured from the environment', async () => {
    const { code, output } = await runExample('4-starter-kit/service.ts', {
      OTEL_EXPORTER_LOKI_ENDPOINT: loki.url,
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=checkout-7d9f',
    });

    expect(code, output).to.equal(0);
    const entries = loki.entries({ selector: '{service_name="checkout"}' });
    expect(entries.map((e) => e.line)).to.include.members(['service started', 'request handled']);
    const checkout = entries.find((e) => e.metadata.path === '/checkout')!;
    expect(checkout.metadata.trace_id).to.match(TRACE_ID);
    // demoteToMetadata: the pod name is metadata, not a label.
    expect(checkout.labels).to.not.have.property('k8s_pod_name');
    expect(checkout.metadata).to.include({ k8s_pod_name: 'checkout-7d9f' });
  });
});
