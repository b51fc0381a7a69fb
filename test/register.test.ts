/**
 * `node --require / --import @otel-loki/exporter/register`: a real child process (a node:http +
 * pino service with no OpenTelemetry code) against LokiTestServer, configured only through
 * the environment. Needs `npm run build` (the entry is the built package).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';
import { CHILD_TIMEOUT_MILLIS, cleanEnv, finished } from './helpers/child-process';
import type { ChildResult } from './helpers/child-process';

const FIXTURES = path.join(__dirname, 'fixtures', 'register');
const ROOT = path.join(__dirname, '..');
const TRACE_ID = /^[0-9a-f]{32}$/;

/** Starts `node <flag> @otel-loki/exporter/register <app>` with only `env` as configuration. */
function startChild(flag: '--require' | '--import', app: string, env: Record<string, string>): ChildProcess {
  const clean = cleanEnv();
  return spawn(process.execPath, [flag, '@otel-loki/exporter/register', path.join(FIXTURES, app)], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the child until it sends "ready" on stdout, then sends it `signal`. */
function signalWhenReady(child: ChildProcess, signal: NodeJS.Signals): Promise<ChildResult> {
  let sent = false;
  return finished(child, (stdout) => {
    if (!sent && stdout.includes('ready\n')) {
      sent = true;
      child.kill(signal);
    }
  });
}

describe('@otel-loki/exporter/register (child processes)', function () {
  this.timeout(CHILD_TIMEOUT_MILLIS * 2);
  let loki: LokiTestServer;
  /** Stands in for an OTLP collector: counts what the SDK's default exporters would send. */
  let collector: http.Server;
  let collectorPaths: string[];
  let collectorBodies: string[];
  let collectorUrl: string;

  before(async () => {
    loki = await LokiTestServer.start({ port: 0 });
    collectorPaths = [];
    collectorBodies = [];
    collector = http.createServer((req, res) => {
      collectorPaths.push(req.url ?? '');
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        collectorBodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    loki.reset();
    collectorPaths.length = 0;
    collectorBodies.length = 0;
  });
  after(async () => {
    await loki.close();
    collector.closeAllConnections();
    await new Promise((resolve) => collector.close(resolve));
  });

  const baseEnv = (service: string): Record<string, string> => ({
    OTEL_EXPORTER_LOKI_ENDPOINT: loki.url,
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=payments',
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
  });

  it('--require: logs of an uninstrumented CommonJS service reach Loki with trace context, nothing else is exported', async () => {
    const result = await finished(startChild('--require', 'app.cjs', baseEnv('register-cjs')));

    expect(result.code, result.stderr).to.equal(0);
    const entries = loki.entries({ selector: '{service_name="register-cjs"}' });
    const request = entries.find((e) => e.line === 'handled request');
    expect(request, JSON.stringify(entries.map((e) => e.line))).to.not.equal(undefined);
    expect(request!.labels).to.include({ service_name: 'register-cjs', deployment_environment_name: 'test' });
    expect(request!.metadata).to.include({ team: 'payments', path: '/hello/0', severity_text: 'info' });
    expect(request!.metadata.trace_id).to.match(TRACE_ID);
    const direct = entries.find((e) => e.line === 'emitted through the logs API');
    expect(direct?.metadata).to.include({ severity_text: 'WARN' });
    // A tracer provider records spans, but no span or metric goes to an OTLP collector.
    expect(collectorPaths).to.deep.equal([]);
  });

  it('--import: the same for an ESM service (node:http and pino imported)', async () => {
    const result = await finished(startChild('--import', 'app.mjs', baseEnv('register-esm')));

    expect(result.code, result.stderr).to.equal(0);
    const entries = loki.entries({ selector: '{service_name="register-esm"}' });
    const request = entries.find((e) => e.line === 'handled request (esm)');
    expect(request, JSON.stringify(entries.map((e) => e.line))).to.not.equal(undefined);
    // Trace context comes from the http server span, which needs the ESM loader hook for node:http.
    expect(request!.metadata.trace_id).to.match(TRACE_ID);
  });

  it('spans are exported when OTEL_TRACES_EXPORTER asks for it', async () => {
    const env = {
      ...baseEnv('register-traces'),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const result = await finished(startChild('--require', 'app.cjs', env));

    expect(result.code, result.stderr).to.equal(0);
    expect(collectorPaths).to.include('/v1/traces');
    expect(loki.entries({ selector: '{service_name="register-traces"}' })).to.not.have.length(0);
  });

  it("with OTEL_METRICS_EXPORTER set, the exporter's loki_write_* and the SDK processor's own metrics are exported", async () => {
    const env = {
      ...baseEnv('register-metrics'),
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const result = await finished(startChild('--require', 'app.cjs', env));

    expect(result.code, result.stderr).to.equal(0);
    expect(collectorPaths).to.include('/v1/metrics');
    expect(collectorPaths).to.not.include('/v1/traces');
    const exported = collectorBodies.join('\n');
    expect(exported).to.include('"loki_write_sent_entries_total"');
    expect(exported).to.include('"loki_write_request_duration_seconds"');
    // BatchLogRecordProcessor's self-observability: records it processed (or dropped, queue full).
    expect(exported).to.include('"otel.sdk.processor.log.processed"');
  });

  it('OTEL_SDK_DISABLED=true: the app runs, nothing is sent', async () => {
    const result = await finished(
      startChild('--require', 'app.cjs', { ...baseEnv('register-off'), OTEL_SDK_DISABLED: 'true' })
    );

    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('handled request');
    expect(loki.requests.filter((r) => r.kind === 'push')).to.have.length(0);
  });

  it('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE is applied to the processor', async () => {
    const env = { ...baseEnv('register-batch'), FIXTURE_REQUESTS: '6', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2' };
    const result = await finished(startChild('--require', 'app.cjs', env));

    expect(result.code, result.stderr).to.equal(0);
    const pushes = loki.requests.filter((r) => r.kind === 'push');
    expect(loki.entries({ selector: '{service_name="register-batch"}' })).to.have.length(7);
    // 7 records in batches of at most 2.
    expect(pushes.length).to.be.at.least(4);
  });

  it('SIGTERM with no handler of the app: logs are flushed, then the process ends by the signal', async () => {
    // A schedule delay far beyond the test: only the shutdown can have sent the logs.
    const env = { ...baseEnv('register-sigterm'), FIXTURE_STAY: '1', OTEL_BLRP_SCHEDULE_DELAY: '600000' };
    const result = await signalWhenReady(startChild('--require', 'app.cjs', env), 'SIGTERM');

    expect(result.signal, result.stderr).to.equal('SIGTERM');
    expect(loki.entries({ selector: '{service_name="register-sigterm"}' })).to.have.length(2);
  });

  it("SIGTERM with the app's own handler: it still runs and decides the exit; logs are flushed meanwhile", async () => {
    const env = {
      ...baseEnv('register-own'),
      FIXTURE_STAY: '1',
      FIXTURE_OWN_HANDLER: '1',
      OTEL_BLRP_SCHEDULE_DELAY: '600000',
    };
    const result = await signalWhenReady(startChild('--require', 'app.cjs', env), 'SIGTERM');

    expect(result.stdout).to.include('app handler ran');
    expect(result.code, result.stderr).to.equal(3);
    expect(loki.entries({ selector: '{service_name="register-own"}' })).to.have.length(2);
  });

  it('SIGINT while Loki hangs: the process still ends within the bound', async () => {
    loki.failWhen(() => true, { hang: true });
    try {
      const env = {
        ...baseEnv('register-hung'),
        FIXTURE_STAY: '1',
        OTEL_BLRP_SCHEDULE_DELAY: '600000',
        OTEL_EXPORTER_LOKI_TIMEOUT: '60000',
      };
      const started = Date.now();
      const result = await signalWhenReady(startChild('--require', 'app.cjs', env), 'SIGINT');

      expect(result.signal, result.stderr).to.equal('SIGINT');
      expect(Date.now() - started).to.be.below(CHILD_TIMEOUT_MILLIS);
    } finally {
      loki.clearFailures();
    }
  });
});
