/**
 * Crash capture under `node --require @otel-loki/exporter/register`: a service that dies
 * (uncaught exception, process.exit(3), unhandled rejection, its own uncaughtException handler
 * that logs and exits, winston's exceptionHandlers) still delivers every record it emitted,
 * including the last ones, before the process is gone; the exit code and stderr are Node's.
 * Loki is LokiTestServer in this process; the service is a real child process.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';
import { CHILD_TIMEOUT_MILLIS, cleanEnv, finished } from './helpers/child-process';

const APP = path.join(__dirname, 'fixtures', 'register', 'crash.cjs');
const ROOT = path.join(__dirname, '..');
const RECORDS = 200;
interface Run {
  code: number | null;
  stderr: string;
  millis: number;
}

async function runApp(mode: string, env: Record<string, string>, register = true): Promise<Run> {
  const args = register ? ['--require', '@otel-loki/exporter/register', APP] : [APP];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...cleanEnv(), FIXTURE_MODE: mode, FIXTURE_RECORDS: String(RECORDS), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { code, stderr } = await finished(child);
  return { code, stderr, millis: Date.now() - started };
}

/** Node's own error output, without the process-specific paths and timings. */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /^(Error|\S+Error):|thrown on purpose|rejected on purpose/.test(line.trim()));
}

describe('crash capture (register entry, child processes)', function () {
  this.timeout(CHILD_TIMEOUT_MILLIS * 2);
  let loki: LokiTestServer;

  before(async () => {
    loki = await LokiTestServer.start({ port: 0 });
  });
  after(async () => loki.close());

  const env = (service: string): Record<string, string> => ({
    OTEL_EXPORTER_LOKI_ENDPOINT: loki.url,
    OTEL_SERVICE_NAME: service,
    // A long schedule delay: nothing is exported before the crash unless the crash path does it.
    OTEL_BLRP_SCHEDULE_DELAY: '600000',
  });
  const lines = (service: string): string[] =>
    loki.entries({ selector: `{service_name="${service}"}` }).map((entry) => entry.line);

  const cases: { mode: string; code: number; last: string[] }[] = [
    { mode: 'throw', code: 1, last: ['crashing'] },
    { mode: 'exit', code: 3, last: ['crashing'] },
    { mode: 'reject', code: 1, last: ['crashing'] },
    { mode: 'handler', code: 4, last: ['crashing', 'handler saw: thrown on purpose'] },
  ];
  for (const { mode, code, last } of cases) {
    it(`${mode}: all ${RECORDS + last.length} records reach Loki before the process is gone; exit code ${code} and stderr kept`, async () => {
      const service = `crash-${mode}`;
      const bare = await runApp(mode, {}, false);

      const run = await runApp(mode, env(service));

      const stored = lines(service);
      expect(run.code, run.stderr).to.equal(code);
      expect(bare.code).to.equal(code);
      expect(errorLines(run.stderr)).to.deep.equal(errorLines(bare.stderr));
      expect(stored).to.have.length(RECORDS + last.length);
      expect(new Set(stored).size).to.equal(stored.length);
      expect(stored).to.include.members(last);
      expect(stored)
        .to.include('record 0')
        .and.include(`record ${RECORDS - 1}`);
    });
  }

  it("winston's exceptionHandlers: the records and winston's own logs reach Loki, exit code 1", async () => {
    const service = 'crash-winston';

    const run = await runApp('winston', env(service));

    const stored = lines(service);
    expect(run.code, run.stderr).to.equal(1);
    expect(stored).to.include('crashing');
    expect(stored).to.include('through winston before the crash');
    expect(stored.some((line) => line.includes('thrown on purpose'))).to.equal(true, 'winston logged the exception');
  });

  it('Loki hangs: exit waits about the bound, no longer, and the process still ends as Node ends it', async () => {
    const hung = await LokiTestServer.start({ port: 0 });
    hung.failWhen((request) => request.kind === 'push', { hang: true });
    const EXIT_TIMEOUT_MILLIS = 500;
    try {
      const bare = await runApp('exit', {}, false);
      const up = await runApp('exit', env('crash-up'));

      const run = await runApp('exit', {
        ...env('crash-hung'),
        OTEL_EXPORTER_LOKI_ENDPOINT: hung.url,
        OTEL_EXPORTER_LOKI_EXIT_TIMEOUT: String(EXIT_TIMEOUT_MILLIS),
      });

      expect(run.code).to.equal(3);
      // Without the bound the exit would wait for the hung request (the child timeout would fire).
      // The margin covers the noise of starting the SDK on a loaded 2-core machine.
      expect(run.millis - up.millis).to.be.below(EXIT_TIMEOUT_MILLIS + 2_000);
      expect(bare.code).to.equal(3);
    } finally {
      await hung.close();
    }
  });
});
