/**
 * The disk spool shared by real processes (issue 11 §2, "Shared directories"): 2–4 processes
 * on one directory, one killed with SIGKILL, one closing, others taking over: every record
 * stored is handed out by `pending()` to exactly one process, none lost. And kill -9 while
 * appending at a steady rate: every record appended at least one fsync interval (plus a
 * margin) before the kill is there after a restart, none twice.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../packages/exporter/src/spool';
import type { SpoolIdentity } from '../packages/exporter/src/spool';

const WORKER = join(__dirname, 'fixtures', 'spool-worker.ts');
const IDENTITY: SpoolIdentity = { pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: 'shared' };
const HEARTBEAT_MILLIS = 500;
const FSYNC_INTERVAL_MILLIS = 1_000;
const RECORDS_PER_WRITER = 300;
const SETTLE_TIMEOUT_MILLIS = 20_000;
/** Records appended at least this long before the kill must survive it. */
const SURVIVAL_MILLIS = FSYNC_INTERVAL_MILLIS + 500;
const KILL_AFTER_MILLIS = 3_000;

interface Worker {
  readonly child: ChildProcess;
  readonly appended: Array<{ id: string; at: number }>;
  readonly delivered: string[];
  readonly problems: string[];
  stderr: string;
  next(type: string): Promise<Record<string, unknown>>;
}

function startWorker(directory: string): Promise<Worker> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      SPOOL_DIR: directory,
      HEARTBEAT_MILLIS: String(HEARTBEAT_MILLIS),
      FSYNC_INTERVAL_MILLIS: String(FSYNC_INTERVAL_MILLIS),
    },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  const waiting = new Map<string, Array<(message: Record<string, unknown>) => void>>();
  const worker: Worker = {
    child,
    appended: [],
    delivered: [],
    problems: [],
    stderr: '',
    next: (type) => new Promise((resolve) => waiting.set(type, [...(waiting.get(type) ?? []), resolve])),
  };
  child.stderr?.on('data', (chunk: Buffer) => (worker.stderr += chunk.toString()));
  child.on('message', (message: Record<string, unknown>) => {
    if (message.type === 'appended') worker.appended.push({ id: String(message.id), at: Date.now() });
    if (message.type === 'delivered') worker.delivered.push(String(message.id));
    if (message.type === 'problem') worker.problems.push(String(message.kind));
    const resolvers = waiting.get(String(message.type)) ?? [];
    waiting.delete(String(message.type));
    for (const resolve of resolvers) resolve(message);
  });
  return worker.next('open').then(() => worker);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function until(condition: () => boolean, timeoutMillis: number): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('spool shared by processes', function () {
  this.timeout(60_000);
  let directory: string;
  const workers: Worker[] = [];

  beforeEach(() => {
    directory = join(mkdtempSync(join(tmpdir(), 'otel-loki-spool-procs-')), 'spool');
  });

  afterEach(async () => {
    for (const { child } of workers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(join(directory, '..'), { recursive: true, force: true });
  });

  it('4 processes: one killed, one closed, the others drain everything exactly once', async () => {
    const writers = await Promise.all([startWorker(directory), startWorker(directory), startWorker(directory)]);
    workers.push(...writers);
    const done = writers.map((w) => w.next('appendDone'));
    writers.forEach((w, i) => w.child.send({ type: 'append', prefix: `w${i}`, count: RECORDS_PER_WRITER }));
    await Promise.all(done);
    const [closing, killed, survivor] = writers;
    killed.child.kill('SIGKILL');
    closing.child.send({ type: 'close' });
    await Promise.all([exited(killed.child), exited(closing.child)]);

    const late = await startWorker(directory);
    workers.push(late);
    const drainers = [survivor, late];
    for (const drainer of drainers) drainer.child.send({ type: 'drain' });
    const stored = writers.flatMap((w) => w.appended.map((a) => a.id));
    const delivered = () => drainers.flatMap((d) => d.delivered);
    await until(() => delivered().length >= stored.length, SETTLE_TIMEOUT_MILLIS);
    await new Promise((resolve) => setTimeout(resolve, 5 * HEARTBEAT_MILLIS)); // time for a duplicate to show
    const stopped = drainers.map((d) => d.next('stopped'));
    for (const drainer of drainers) drainer.child.send({ type: 'stop' });
    await Promise.all(stopped);

    expect(stored).to.have.length(3 * RECORDS_PER_WRITER);
    expect([...delivered()].sort()).to.deep.equal([...stored].sort());
    expect(new Set(delivered()).size).to.equal(delivered().length);
    expect(survivor.problems).to.deep.equal([]);
    expect(late.delivered.some((id) => id.startsWith('w2-'))).to.equal(false); // live lease: left alone
  });

  for (const [how, code] of [
    ['exit', 3],
    ['throw', 1],
  ] as const) {
    it(`the exit path stores the last words synchronously (${how === 'exit' ? 'process.exit(3)' : 'uncaught exception'})`, async () => {
      const dying = await startWorker(directory);
      workers.push(dying);
      dying.child.send({ type: 'die', how, prefix: how, count: 50 });
      await exited(dying.child);

      const opened = await Spool.open({ directory, now: () => Date.now() + 60_000 });
      if (opened.status !== 'open') throw new Error(opened.message);
      const recovered: string[] = [];
      for await (const request of opened.spool.pending(IDENTITY)) {
        recovered.push(Buffer.from(request.body).toString().replace(/\.+$/, ''));
      }
      await opened.spool.close();

      expect(dying.child.exitCode).to.equal(code);
      if (how === 'throw') expect(dying.stderr).to.include('Error: the service died');
      expect(recovered.sort()).to.deep.equal(
        [...Array.from({ length: 50 }, (_, i) => `${how}-${i}`), `${how}-last-words-${code}`].sort()
      );
    });
  }

  it('kill -9 while appending: every record appended an fsync interval before the kill survives, none twice', async () => {
    const writer = await startWorker(directory);
    workers.push(writer);
    writer.child.send({ type: 'append', prefix: 'k', count: 1_000_000, intervalMillis: 1 });
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MILLIS));
    writer.child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited(writer.child);

    const opened = await Spool.open({ directory, now: () => Date.now() + 60_000 }); // the dead lease has expired
    if (opened.status !== 'open') throw new Error(opened.message);
    const recovered: string[] = [];
    for await (const request of opened.spool.pending(IDENTITY)) {
      recovered.push(Buffer.from(request.body).toString().replace(/\.+$/, ''));
      await opened.spool.acknowledge(request.ref);
    }
    await opened.spool.close();

    const mustSurvive = writer.appended.filter((a) => a.at <= killedAt - SURVIVAL_MILLIS).map((a) => a.id);
    const appended = writer.appended.map((a) => a.id);
    expect(mustSurvive.length).to.be.greaterThan(100);
    expect(recovered.slice(0, mustSurvive.length)).to.deep.equal(mustSurvive);
    expect(new Set(recovered).size).to.equal(recovered.length);
    const order = recovered.map((id) => Number(id.split('-')[1]));
    expect(order).to.deep.equal(order.map((_, i) => i)); // in order, no gap
    expect(recovered.length).to.be.at.least(appended.length); // the OS keeps written pages of a killed process
  });
});
