/**
 * Exit: a short-lived script emits records and calls provider.shutdown() (the SDK's batch
 * processor flushes, then shuts the exporter down) and exits on its own: every record is in
 * Loki before the process is gone, and a hung Loki cannot hold the exit much longer than the
 * exporter's configured timeouts. The SIGTERM/SIGINT side (the `register` entry flushes before
 * the process ends, and a hung Loki cannot hold it past the bound) is in `register.test.ts`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';
import { lostAndDuplicated, report, storedIds } from './helpers/pipeline';

const SCRIPT = join(__dirname, 'fixtures', 'exit-script.ts');
const RECORDS = 1_500;

/** Runs the script; resolves with its exit code, output, and wall time. */
function runScript(
  env: Record<string, string>
): Promise<{ code: number | null; stdout: string; stderr: string; millis: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, millis: Date.now() - started }));
  });
}

describe('fault: the process exits right after logging', function () {
  this.timeout(60_000);
  let server: LokiTestServer;
  afterEach(async () => server?.close());

  it('shutdown() delivers every record before the process exits', async () => {
    server = await LokiTestServer.start({ port: 0 });

    const run = await runScript({ LOKI_URL: server.url, RECORDS: String(RECORDS), SERVICE: 'exit' });

    const { lost, duplicated } = lostAndDuplicated(storedIds(server, 'exit'), RECORDS);
    report(
      `${RECORDS} records emitted then shutdown(): exit code ${run.code}, lost ${lost.length}, shutdown ${JSON.parse(run.stdout).shutdownMillis} ms`
    );
    expect(run.code, run.stderr).to.equal(0);
    expect(lost).to.have.length(0);
    expect(duplicated).to.have.length(0);
  });

  it('a hung Loki holds the exit no longer than the timeouts, and the loss is counted', async () => {
    server = await LokiTestServer.start({ port: 0 });
    server.failWhen((request) => request.kind === 'push', { hang: true });
    const TIMEOUT_MILLIS = 1_000;
    const SHUTDOWN_TIMEOUT_MILLIS = 2_000;
    const HAND_OFF_MILLIS = 1_000;

    const run = await runScript({
      LOKI_URL: server.url,
      RECORDS: String(RECORDS),
      SERVICE: 'hung',
      TIMEOUT_MILLIS: String(TIMEOUT_MILLIS),
      SHUTDOWN_TIMEOUT_MILLIS: String(SHUTDOWN_TIMEOUT_MILLIS),
    });

    const output = JSON.parse(run.stdout) as {
      shutdownMillis: number;
      stats: { droppedAtShutdown: number; retryBufferEntries: number };
    };
    report(
      `hung Loki: shutdown took ${output.shutdownMillis} ms (timeoutMillis ${TIMEOUT_MILLIS} + shutdownTimeoutMillis ${SHUTDOWN_TIMEOUT_MILLIS}), ${output.stats.droppedAtShutdown} records counted as dropped at shutdown`
    );
    expect(run.code, run.stderr).to.equal(0);
    expect(output.shutdownMillis).to.be.below(HAND_OFF_MILLIS + TIMEOUT_MILLIS + SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    expect(output.stats.droppedAtShutdown).to.equal(RECORDS);
  });
});
