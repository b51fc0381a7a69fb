/**
 * Leases and takeover between spools sharing a directory (in one process here; with real
 * processes in spool-processes.test.ts): a live lease protects its files, an expired or
 * released one is taken over by exactly one spool, a stalled owner is fenced.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hostIdentity, isLeaseLive, isProcessGone } from '../../src/spool/lease';
import type { Spool } from '../../src/spool/spool';
import { body, drain, IDENTITY, ManualClock, meta, noSyncFileSystem, openSpool, TempDirs } from './helpers';

const HEARTBEAT_MILLIS = 1_000;
const EXPIRED_MILLIS = 3 * HEARTBEAT_MILLIS + 1;
const RECORDS = 12;

describe('spool: leases and takeover', () => {
  const temp = new TempDirs();
  const opened: Spool[] = [];
  afterEach(async () => {
    for (const spool of opened.splice(0)) await spool.close();
    temp.cleanup();
  });

  async function start(directory: string, clock: ManualClock) {
    const result = await openSpool({
      directory,
      now: clock.now,
      heartbeatIntervalMillis: HEARTBEAT_MILLIS,
      segmentBytes: 300,
      fileSystem: noSyncFileSystem,
    });
    opened.push(result.spool);
    return result;
  }

  async function fill(spool: Spool, prefix: string, count = RECORDS): Promise<string[]> {
    const labels = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    for (const label of labels) await spool.append(IDENTITY, body(label), meta(), { inFlight: false });
    return labels;
  }

  it('leaves a live process’s files alone, and takes them over once its lease expired', async () => {
    const directory = join(temp.make(), 'spool');
    const clock = new ManualClock();
    const { spool: owner } = await start(directory, clock);
    const stored = await fill(owner, 'a');
    const { spool: other } = await start(directory, clock);

    expect(await drain(other)).to.deep.equal([]);
    clock.millis += EXPIRED_MILLIS; // the owner stops heartbeating (hung or killed)
    await other.heartbeat();

    expect(await drain(other)).to.deep.equal(stored);
    expect(other.stats().segmentsTakenOver).to.be.greaterThan(1);
  });

  it('keeps its files as long as its timer refreshes the lease, however long it runs', async () => {
    const timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const directory = join(temp.make(), 'spool');
      const clock = new ManualClock();
      const { spool: owner } = await start(directory, clock);
      const stored = await fill(owner, 'a', 3);
      const { spool: other } = await start(directory, clock);

      const leases = () => readdirSync(directory).filter((name) => name.startsWith('lease.'));
      for (let i = 0; i < 10; i++) {
        clock.millis += HEARTBEAT_MILLIS;
        await timers.tickAsync(HEARTBEAT_MILLIS);
        // The touch's I/O: wait until both leases carry the new heartbeat (bounded), however loaded the machine.
        for (let j = 0; j < 2_000; j++) {
          const times = leases().map((name) => statSync(join(directory, name)).mtimeMs);
          if (times.length === 2 && times.every((t) => Math.round(t) === clock.millis)) break;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      await other.heartbeat();

      expect(await drain(other)).to.deep.equal([]);
      expect(await drain(owner)).to.deep.equal(stored);
    } finally {
      timers.restore();
    }
  });

  it('takes over at once the files of a process that closed (its lease is released)', async () => {
    const directory = join(temp.make(), 'spool');
    const clock = new ManualClock();
    const { spool: old } = await start(directory, clock);
    const { spool: next } = await start(directory, clock);
    const stored = await fill(old, 'a');

    await old.close();
    await next.heartbeat();

    expect(await drain(next)).to.deep.equal(stored);
  });

  it('gives each expired segment to exactly one of several racing spools', async () => {
    const directory = join(temp.make(), 'spool');
    const clock = new ManualClock();
    const { spool: dead } = await start(directory, clock);
    const stored = await fill(dead, 'a', 40);
    const takers = await Promise.all([start(directory, clock), start(directory, clock), start(directory, clock)]);
    clock.millis += EXPIRED_MILLIS;

    await Promise.all(takers.map(({ spool }) => spool.heartbeat()));
    const got = await Promise.all(takers.map(({ spool }) => drain(spool)));

    expect(got.flat().sort()).to.deep.equal([...stored].sort());
    expect(new Set(got.flat()).size).to.equal(stored.length);
    for (const labels of got) expect(labels).to.deep.equal(stored.filter((l) => labels.includes(l))); // in order
    expect(readdirSync(directory).filter((n) => n.startsWith('lease.'))).to.have.length(4 - 1); // the dead lease removed
  });

  it('fences a process stalled past its lease: it forgets its files and continues under a new lease', async () => {
    const directory = join(temp.make(), 'spool');
    const ownerClock = new ManualClock();
    const otherClock = new ManualClock();
    const { spool: owner, problems } = await start(directory, ownerClock);
    const stored = await fill(owner, 'a');
    const { spool: other } = await start(directory, otherClock);
    otherClock.millis += EXPIRED_MILLIS;
    await other.heartbeat();
    ownerClock.millis += EXPIRED_MILLIS; // the owner wakes up

    const after = await owner.append(IDENTITY, body('late'), meta(), { inFlight: false });

    expect(after.status).to.equal('stored');
    expect(problems.map((p) => p.kind)).to.deep.equal(['fenced']);
    expect(await drain(other)).to.deep.equal(stored);
    expect(await drain(owner)).to.deep.equal(['late']);
  });

  it('treats a lease written on this host before a reboot as expired', async function () {
    if (hostIdentity().bootId === undefined) this.skip();
    const directory = join(temp.make(), 'spool');
    const clock = new ManualClock();
    const { spool: before } = await start(directory, clock);
    const stored = await fill(before, 'a', 3);
    const [lease] = readdirSync(directory).filter((n) => n.startsWith('lease.'));
    const content = JSON.parse(readFileSync(join(directory, lease), 'utf8'));
    writeFileSync(join(directory, lease), JSON.stringify({ ...content, bootId: 'an-earlier-boot' }));

    const { spool: after } = await start(directory, clock); // same time: the heartbeat is fresh

    expect(await drain(after)).to.deep.equal(stored);
  });

  it('never hands the same record out twice within a process, even to concurrent readers', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await start(directory, new ManualClock());
    const stored = await fill(spool, 'a', 30);

    const [one, two] = await Promise.all([drain(spool), drain(spool)]);

    expect([...one, ...two].sort()).to.deep.equal([...stored].sort());
  });
});

describe('spool: a lease whose process is gone', () => {
  const HOST = { host: 'h1', bootId: 'boot-1', pidNamespace: 'pid:[4026531836]' };
  const lease = (overrides: Record<string, unknown> = {}) => ({
    version: 1,
    owner: 'o1',
    host: 'h1',
    bootId: 'boot-1',
    pidNamespace: 'pid:[4026531836]',
    pid: 4242,
    processStartMillis: 0,
    heartbeatIntervalMillis: 5_000,
    ...overrides,
  });
  const fresh = 1_000; // heartbeat 1 s ago: live by its time
  const gone = () => true;
  const alive = () => false;

  it('is expired at once when its PID is gone in the same boot and PID namespace', () => {
    expect(isLeaseLive(lease(), 0, fresh, HOST, 5_000, gone)).to.equal(false);
    expect(isLeaseLive(lease(), 0, fresh, HOST, 5_000, alive)).to.equal(true);
  });

  it('trusts no PID across PID namespaces, hosts or unknown namespaces (containers): waits for the expiry', () => {
    expect(isLeaseLive(lease({ pidNamespace: 'pid:[1]' }), 0, fresh, HOST, 5_000, gone)).to.equal(true);
    expect(isLeaseLive(lease({ host: 'h2' }), 0, fresh, HOST, 5_000, gone)).to.equal(true);
    expect(isLeaseLive(lease(), 0, fresh, { host: 'h1', bootId: 'boot-1' }, 5_000, gone)).to.equal(true);
    expect(isLeaseLive(lease({ pid: 'x' }), 0, fresh, HOST, 5_000, gone)).to.equal(true);
  });

  it('asks the real process table: an exited child is gone, this process is not', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(isProcessGone(child.pid!)).to.equal(true);
    expect(isProcessGone(process.pid)).to.equal(false);
    expect(hostIdentity().pidNamespace).to.match(/^pid:\[\d+\]$/);
  });
});
