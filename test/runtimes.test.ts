/**
 * Bun and Deno (issue 13, point 3): the built packages run under each runtime, installed from npm
 * as root devDependencies (`node_modules/.bin/bun`, `node_modules/.bin/deno`). Each test spawns
 * the runtime on a fixture of `test/fixtures/runtimes/` against a LokiTestServer of this
 * process (loopback, port 0) and checks what the server stored; the last ones run
 * LokiTestServer itself in the runtime and push to it from Node. Needs `npm run build`.
 *
 * What differs between the runtimes is pinned here (`Runtime`), and stated in the README's
 * "Runtimes" section: when a runtime changes, a test fails and the table is updated with it.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LokiLogger } from '@otel-loki/push';
import { LokiTestServer } from '@otel-loki/testing';
import { CHILD_TIMEOUT_MILLIS, cleanEnv, finished } from './helpers/child-process';
import type { StoredEntry } from '@otel-loki/testing';

const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'runtimes');
/** Bound of `<runtime> --version`. */
const VERSION_TIMEOUT_MILLIS = 10_000;
const NANOS_PER_MILLI = 1_000_000n;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** A batch schedule delay far beyond the test: only an exit or shutdown flush can send the records. */
const NEVER_SCHEDULED_MILLIS = '600000';

/** Deno: npm packages from the root node_modules as npm installed them, nothing fetched. */
const DENO_RUN = ['run', '--no-prompt', '--node-modules-dir=manual', '--cached-only'];
/** Deno permissions of a client that pushes to a loopback Loki (and of LokiTestServer). */
const DENO_CLIENT = ['--allow-read', '--allow-env', '--allow-net=127.0.0.1'];
/** The register entry also reads host and process facts for the resource (os.hostname(), ...). */
const DENO_REGISTER = [...DENO_CLIENT, '--allow-sys'];

interface Runtime {
  name: 'bun' | 'deno';
  /** Arguments that run `script`. */
  run(script: string): string[];
  /** Arguments that run `script` with @otel-loki/exporter/register preloaded. */
  preload(script: string): string[];
  /** Environment of every child: nothing that reaches beyond loopback. */
  env: Record<string, string>;
  /** Measured: pino `import`ed by an ESM app is captured by the auto-instrumentation. */
  esmPinoCaptured: boolean;
  /** Measured: an ESM app's `import`ed node:http gets spans, so its logs carry trace context. */
  esmTraceContext: boolean;
  /** Measured: records pending at an uncaught exception or unhandled rejection are sent (flushed on 'exit'). */
  uncaughtExceptionFlushed: boolean;
}

const RUNTIMES: Runtime[] = [
  {
    name: 'bun',
    run: (script) => [script],
    preload: (script) => ['--preload', '@otel-loki/exporter/register', script],
    // No crash report upload to bun.report.
    env: { DO_NOT_TRACK: '1' },
    // Bun's ESM loader does not go through Module._load, where require-in-the-middle patches
    // pino; winston's instrumentation hooks files winston itself `require`s, so it still works.
    esmPinoCaptured: false,
    esmTraceContext: false,
    uncaughtExceptionFlushed: true,
  },
  {
    name: 'deno',
    run: (script) => [...DENO_RUN, ...DENO_CLIENT, script],
    preload: (script) => [...DENO_RUN, ...DENO_REGISTER, '--preload', 'npm:@otel-loki/exporter/register', script],
    env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    // Deno loads npm packages through its require(), which require-in-the-middle patches; the
    // ESM loader hook (import-in-the-middle, module.register) does not patch node:http there.
    esmPinoCaptured: true,
    esmTraceContext: false,
    // Deno emits no process 'exit' event when an uncaught exception or an unhandled rejection
    // ends the process, but it does emit 'uncaughtExceptionMonitor', where crash capture flushes
    // when no 'uncaughtException' listener will keep the process going.
    uncaughtExceptionFlushed: true,
  },
];

function lines(entries: StoredEntry[]): string[] {
  return entries.map((entry) => entry.line).sort();
}

for (const runtime of RUNTIMES) {
  describe(`runtime: ${runtime.name} (from npm)`, function () {
    this.timeout(CHILD_TIMEOUT_MILLIS * 2);
    const binary = path.join(ROOT, 'node_modules', '.bin', runtime.name);
    let loki: LokiTestServer;

    const start = (
      args: string[],
      env: Record<string, string> = {},
      stdin: 'ignore' | 'pipe' = 'ignore'
    ): ChildProcess =>
      spawn(binary, args, {
        cwd: ROOT,
        env: { ...cleanEnv(), ...runtime.env, ...env },
        stdio: [stdin, 'pipe', 'pipe'],
      });
    const fixture = (name: string): string => path.join(FIXTURES, name);

    before(function () {
      const version = existsSync(binary)
        ? spawnSync(binary, ['--version'], {
            encoding: 'utf8',
            timeout: VERSION_TIMEOUT_MILLIS,
            env: { ...process.env, ...runtime.env },
          })
        : undefined;
      if (version === undefined || version.status !== 0) {
        const why = `${binary} does not run (${version?.stderr.trim() || 'missing'}): npm ci installs it`;
        if (process.env.CI) throw new Error(why);
        console.warn(`skipping ${runtime.name}: ${why}`);
        this.skip();
      }
      const first = version!.stdout.split('\n')[0].trim();
      console.log(`      ${first.startsWith(runtime.name) ? first : `${runtime.name} ${first}`}`);
    });
    before(async () => {
      loki = await LokiTestServer.start({ port: 0 });
    });
    beforeEach(() => loki?.reset());
    after(async () => {
      await loki?.close();
    });

    it('LokiLogger (@otel-loki/push): a batch is stored with its labels, structured metadata and nanosecond timestamps', async () => {
      const run = randomUUID().slice(0, 8);
      const base = BigInt(Date.now() - 1000) * NANOS_PER_MILLI + 123_456n;

      const result = await finished(
        start(runtime.run(fixture('loki-logger.mjs')), {
          FIXTURE_LOKI_URL: loki.url,
          FIXTURE_RUN: run,
          FIXTURE_BASE_NANOS: String(base),
        })
      );

      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.equal({ status: 204, entries: 3, streams: 2 });
      const stored = loki.entries({ selector: `{run="${run}"}` });
      expect(stored.map((e) => [e.labels, e.line, e.timestampNanos])).to.deep.equal([
        [{ service_name: 'runtime-shop', run, runtime: runtime.name }, 'order 42 placed', base],
        [{ service_name: 'runtime-shop', run, runtime: runtime.name }, 'order 42 paid', base + 1n],
        [{ service_name: 'runtime-stock', run, runtime: runtime.name }, 'stock low', base + 2n],
      ]);
      expect(stored[0].metadata).to.include({
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        note: 'café "quoted"\nsecond line',
      });
    });

    it('LokiLogRecordExporter with the SDK (LoggerProvider + BatchLogRecordProcessor): records are stored on shutdown, service_name from the resource', async () => {
      const service = `runtime-sdk-${randomUUID().slice(0, 8)}`;
      const base = BigInt(Date.now() - 1000) * NANOS_PER_MILLI + 789n;

      const result = await finished(
        start(runtime.run(fixture('sdk-exporter.mjs')), {
          FIXTURE_LOKI_URL: loki.url,
          FIXTURE_SERVICE: service,
          FIXTURE_BASE_NANOS: String(base),
        })
      );

      expect(result.code, result.stderr).to.equal(0);
      const stored = loki.entries({ selector: `{service_name="${service}"}` });
      expect(stored.map((e) => [e.line, e.timestampNanos])).to.deep.equal([
        ['record 0', base],
        ['record 1', base + 1n],
        ['record 2', base + 2n],
      ]);
      expect(stored[0].labels).to.deep.include({ service_name: service, deployment_environment_name: 'test' });
      expect(stored[0].metadata).to.include({
        runtime: runtime.name,
        severity_text: 'ERROR',
        severity_number: '17',
        http_status: '500',
        scope_name: 'runtime-fixture',
        scope_version: '1.0.0',
      });
      expect(JSON.parse(result.stdout)).to.include({ exportsSucceeded: 1 });
    });

    describe('@otel-loki/exporter/register preloaded', () => {
      const registerEnv = (service: string, extra: Record<string, string> = {}): Record<string, string> => ({
        OTEL_EXPORTER_LOKI_ENDPOINT: loki.url,
        OTEL_SERVICE_NAME: service,
        ...extra,
      });

      it('CommonJS app: the logs API, pino and winston (auto-instrumentation) arrive, with the http trace context', async () => {
        const service = `runtime-register-cjs-${runtime.name}`;

        const result = await finished(start(runtime.preload(fixture('register-app.cjs')), registerEnv(service)));

        expect(result.code, result.stderr).to.equal(0);
        const stored = loki.entries({ selector: `{service_name="${service}"}` });
        expect(lines(stored)).to.deep.equal(['through pino', 'through the logs API 0', 'through winston']);
        const api = stored.find((e) => e.line === 'through the logs API 0')!;
        expect(api.metadata).to.include({ runtime: runtime.name, severity_text: 'WARN' });
        // Logged inside the request: the http span's trace context comes with them.
        expect(stored.find((e) => e.line === 'through pino')!.metadata.trace_id).to.match(TRACE_ID);
        expect(stored.find((e) => e.line === 'through winston')!.metadata.trace_id).to.match(TRACE_ID);
      });

      it(`ESM app: the logs API and winston arrive; pino ${runtime.esmPinoCaptured ? 'too' : 'does not'}; ${runtime.esmTraceContext ? 'with' : 'without'} trace context (README "Runtimes")`, async () => {
        const service = `runtime-register-esm-${runtime.name}`;

        const result = await finished(start(runtime.preload(fixture('register-app.mjs')), registerEnv(service)));

        expect(result.code, result.stderr).to.equal(0);
        const stored = loki.entries({ selector: `{service_name="${service}"}` });
        const expected = ['through the logs API 0', 'through winston'];
        if (runtime.esmPinoCaptured) expected.unshift('through pino');
        expect(lines(stored)).to.deep.equal(expected);
        const library = stored.filter((e) => e.line !== 'through the logs API 0');
        expect(library.map((e) => e.metadata.trace_id !== undefined)).to.deep.equal(
          library.map(() => runtime.esmTraceContext)
        );
      });

      it('process.exit(3) right after logging: what was pending is sent from the exit, the exit code stays 3', async () => {
        const service = `runtime-register-exit-${runtime.name}`;
        const records = 50;
        const env = registerEnv(service, {
          FIXTURE_END: 'exit',
          FIXTURE_RECORDS: String(records),
          OTEL_BLRP_SCHEDULE_DELAY: NEVER_SCHEDULED_MILLIS,
        });

        const result = await finished(start(runtime.preload(fixture('register-app.cjs')), env));

        expect(result.code, result.stderr).to.equal(3);
        // 50 records through the logs API, plus pino's and winston's.
        expect(loki.entries({ selector: `{service_name="${service}"}` })).to.have.length(records + 2);
      });

      for (const [end, what] of [
        ['throw', 'an uncaught exception'],
        ['reject', 'an unhandled rejection'],
      ] as const) {
        it(`${what}: pending records are ${runtime.uncaughtExceptionFlushed ? 'sent' : 'lost (README "Runtimes")'}, exit code 1`, async () => {
          const service = `runtime-register-${end}-${runtime.name}`;
          const records = 50;
          const env = registerEnv(service, {
            FIXTURE_END: end,
            FIXTURE_RECORDS: String(records),
            OTEL_BLRP_SCHEDULE_DELAY: NEVER_SCHEDULED_MILLIS,
          });

          const result = await finished(start(runtime.preload(fixture('register-app.cjs')), env));

          expect(result.code).to.equal(1);
          expect(result.stderr).to.include(`${end === 'throw' ? 'thrown' : 'rejected'} on purpose`);
          const stored = loki.entries({ selector: `{service_name="${service}"}` });
          expect(stored).to.have.length(runtime.uncaughtExceptionFlushed ? records + 2 : 0);
        });
      }

      it("an uncaught exception the app's own handler logs before process.exit(4): every record is sent, exit code 4", async () => {
        const service = `runtime-register-handler-${runtime.name}`;
        const records = 50;
        const env = registerEnv(service, {
          FIXTURE_END: 'handler',
          FIXTURE_RECORDS: String(records),
          OTEL_BLRP_SCHEDULE_DELAY: NEVER_SCHEDULED_MILLIS,
        });

        const result = await finished(start(runtime.preload(fixture('register-app.cjs')), env));

        expect(result.code, result.stderr).to.equal(4);
        const stored = loki.entries({ selector: `{service_name="${service}"}` });
        // The records, pino's and winston's, and the handler's own.
        expect(stored).to.have.length(records + 3);
        expect(stored.map((e) => e.line)).to.include('handler saw: thrown on purpose');
      });
    });

    it('LokiTestServer runs in the runtime: a push from Node is answered by query_range', async () => {
      const run = randomUUID().slice(0, 8);
      const timestamp = BigInt(Date.now() - 1000) * NANOS_PER_MILLI + 42n;
      const child = start(runtime.run(fixture('test-server.mjs')), {}, 'pipe');
      let announce: (started: { url: string; runtime: string }) => void;
      const announced = new Promise<{ url: string; runtime: string }>((resolve) => (announce = resolve));
      const ended = finished(child, (stdout) => {
        const newline = stdout.indexOf('\n');
        if (newline >= 0) announce(JSON.parse(stdout.slice(0, newline)));
      });
      // A child that ends before announcing its URL fails the test with its stderr.
      const started = await Promise.race([
        announced,
        ended.then((r) => Promise.reject(new Error(`server ended (${r.code}): ${r.stderr}`))),
      ]);
      try {
        expect(started.runtime).to.equal(runtime.name);
        const logger = new LokiLogger({ url: started.url });
        const pushed = await logger.sendLog({
          message: 'stored by the runtime',
          labels: { service_name: 'runtime-server', run },
          metadata: { request_id: 'r-1' },
          timestamp,
        });
        await logger.close();
        expect(pushed.status).to.equal(204);

        const query = new URLSearchParams({
          query: `{run="${run}"}`,
          start: String(timestamp - 60_000n * NANOS_PER_MILLI),
          end: String(timestamp + 60_000n * NANOS_PER_MILLI),
        });
        const response = await fetch(`${started.url}/loki/api/v1/query_range?${query}`, {
          headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' },
        });
        expect(response.status).to.equal(200);
        const body = (await response.json()) as any;
        expect(body.data.result).to.have.length(1);
        expect(body.data.result[0].stream).to.deep.equal({ service_name: 'runtime-server', run });
        const [[ts, line, extra]] = body.data.result[0].values;
        expect([ts, line]).to.deep.equal([String(timestamp), 'stored by the runtime']);
        expect(extra.structuredMetadata).to.include({ request_id: 'r-1' });
      } finally {
        child.stdin!.end();
      }
      const result = await ended;
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include('closed\n');
    });
  });
}
