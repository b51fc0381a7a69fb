/**
 * Durable delivery with the disk spool, end to end: services under `node --require
 * @otel-loki/exporter/register` with `OTEL_EXPORTER_LOKI_SPOOL_DIR`, Loki (LokiTestServer in this
 * process) down, then back. A kill -9 loses at most the last flush interval; processes stopped
 * with SIGTERM during the outage leave their data for a later process; each entry is stored once.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';
import { CHILD_TIMEOUT_MILLIS, cleanEnv, finished } from './helpers/child-process';

const APP = path.join(__dirname, 'fixtures', 'register', 'spool-app.cjs');
const ROOT = path.join(__dirname, '..');
/** The promise: a record emitted this long before a kill -9 survives it. */
const SURVIVES_MILLIS = 2_500;

interface Progress {
  count: number;
  at: number;
}

function start(env: Record<string, string>): { child: ChildProcess; progress: Progress[]; done: Promise<unknown> } {
  const child = spawn(process.execPath, ['--require', '@otel-loki/exporter/register', APP], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const progress: Progress[] = [];
  let seen = 0;
  const done = finished(child, (stdout) => {
    const lines = stdout.split('\n');
    for (; seen < lines.length - 1; seen++) {
      const match = /^emitted (\d+) (\d+)$/.exec(lines[seen]);
      if (match !== null) progress.push({ count: Number(match[1]), at: Number(match[2]) });
    }
  });
  return { child, progress, done };
}

/** Waits until `condition` holds (bounded). */
async function until(condition: () => boolean, what: string, millis = CHILD_TIMEOUT_MILLIS): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('disk spool (register entry, child processes)', function () {
  this.timeout(CHILD_TIMEOUT_MILLIS * 3);
  let loki: LokiTestServer;
  let directory: string;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ port: 0 });
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'otel-loki-spool-e2e-')), 'spool');
  });
  afterEach(async () => {
    await loki.close();
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  const env = (service: string, extra: Record<string, string> = {}): Record<string, string> => ({
    OTEL_EXPORTER_LOKI_ENDPOINT: loki.url,
    OTEL_EXPORTER_LOKI_SPOOL_DIR: directory,
    OTEL_SERVICE_NAME: service,
    ...extra,
  });
  const lines = (service: string): string[] =>
    loki.entries({ selector: `{service_name="${service}"}` }).map((entry) => entry.line);
  const outage = (): void => loki.failWhen((request) => request.kind === 'push', { status: 503 });

  it('kill -9 at 1 000 records/s during an outage: after a restart every record emitted 2.5 s before the kill is stored, once', async () => {
    outage();
    const run = start(env('killed', { FIXTURE_RATE: '1000', FIXTURE_SECONDS: '20', FIXTURE_PREFIX: 'k' }));
    await until(
      () => run.progress.length > 0 && run.progress.at(-1)!.at - run.progress[0].at >= 4_500,
      '4.5 s of records'
    );
    run.child.kill('SIGKILL');
    const killedAt = Date.now();
    const result = (await run.done) as { signal: string | null };
    expect(result.signal).to.equal('SIGKILL');
    const promised = run.progress.filter((p) => p.at <= killedAt - SURVIVES_MILLIS).at(-1)!.count;
    expect(promised).to.be.above(1_500);
    expect(lines('killed')).to.deep.equal([]); // Loki was down the whole time

    loki.clearFailures();
    // The same service starts again on the same spool, emitting nothing new: it drains what the
    // killed process left (its lease is taken over at once: its PID is gone).
    const restart = start(env('killed', { FIXTURE_SECONDS: '0', FIXTURE_STAY: '1' }));
    await until(() => lines('killed').length >= promised, `${promised} records after the restart`);
    restart.child.kill('SIGTERM');
    await restart.done;

    const stored = lines('killed');
    const ids = new Set(stored);
    expect(ids.size).to.equal(stored.length); // none twice
    for (let i = 0; i < promised; i++) expect(ids.has(`k-${i}`), `k-${i}`).to.equal(true);
    expect(readdirSync(directory).filter((name) => name.startsWith('lease.'))).to.have.length(0);
  });

  it('3 processes share a spool through an outage and stop on SIGTERM; a later process stores everything once', async () => {
    outage();
    const services = ['alpha', 'beta', 'gamma'];
    const runs = services.map((service) =>
      start(
        env(service, {
          FIXTURE_RATE: '500',
          FIXTURE_SECONDS: '1',
          FIXTURE_PREFIX: service,
          FIXTURE_STAY: '1',
          // One gives its own instance id: it wins over the generated one.
          ...(service === 'gamma' ? { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=gamma-1' } : {}),
        })
      )
    );
    // Each has emitted its 500 records and exported them (BLRP: 1 s schedule delay) to the spool.
    await until(() => runs.every((run) => run.progress.at(-1)?.count === 500), 'every process to emit');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const stopped = Date.now();
    for (const run of runs) run.child.kill('SIGTERM');
    const results = (await Promise.all(runs.map((run) => run.done))) as Array<{
      code: number | null;
      signal: string | null;
    }>;
    // SIGTERM handled by the register entry: shut down without waiting for Loki (the data is on disk).
    for (const result of results) expect(result.signal ?? result.code).to.be.oneOf(['SIGTERM', 0, 143]);
    expect(Date.now() - stopped).to.be.below(8_000);
    for (const service of services) expect(lines(service)).to.deep.equal([]);

    loki.clearFailures();
    // A later process of another service drains every identity it finds for its push URL.
    const later = start(env('later', { FIXTURE_SECONDS: '0', FIXTURE_STAY: '1' }));
    await until(() => services.every((service) => lines(service).length >= 500), 'the three backlogs');
    later.child.kill('SIGTERM');
    await later.done;

    for (const service of services) {
      const stored = lines(service);
      expect(stored).to.have.length(500);
      expect(new Set(stored).size).to.equal(500);
    }
    // Each process is its own stream (with a spool, the register entry gives each process a
    // service.instance.id, a label by Loki's default): draining one process's backlog never
    // interleaves with another's data in a stream, so nothing is "too far behind".
    const instances = new Set(
      loki.entries({ selector: '{service_name=~"alpha|beta|gamma"}' }).map((entry) => entry.labels.service_instance_id)
    );
    expect(instances.size).to.equal(3);
    expect([...instances]).to.include('gamma-1');
  });
});
