/**
 * Environmental failures through an injected file-system layer (tests run as root, where chmod
 * cannot make the disk fail): the spool reports once, never throws, never blocks; and the fsync
 * calls the documented policy promises.
 */
import { expect } from 'chai';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sinon from 'sinon';
import { Spool } from '../../src/spool/spool';
import type { SpoolUnavailableReason } from '../../src/spool/types';
import { body, drain, FaultyFileSystem, IDENTITY, ManualClock, meta, openSpool, TempDirs } from './helpers';

const RETRY_AFTER_MILLIS = 30_000;
const FSYNC_INTERVAL_MILLIS = 1_000;

describe('spool: environmental failures', () => {
  const temp = new TempDirs();
  afterEach(() => {
    sinon.restore();
    temp.cleanup();
  });

  async function refusal(
    directory: string,
    fileSystem: FaultyFileSystem,
    uid?: number
  ): Promise<SpoolUnavailableReason> {
    const result = await Spool.open({ directory, fileSystem, ...(uid === undefined ? {} : { uid }) });
    if (result.status === 'open') {
      await result.spool.close();
      throw new Error('expected the spool to be refused');
    }
    expect(result.message).to.include(directory);
    return result.reason;
  }

  it('is unavailable, with the reason, when the directory cannot be created or written', async () => {
    const base = temp.make();
    const cases: Array<[string, string, SpoolUnavailableReason]> = [
      ['mkdir', 'EROFS', 'read_only'],
      ['mkdir', 'EACCES', 'permission_denied'],
      ['open:create', 'ENOSPC', 'no_space'],
      ['open:create', 'EROFS', 'read_only'],
      ['lstat', 'EIO', 'io_error'],
    ];
    for (const [op, code, reason] of cases) {
      const fs = new FaultyFileSystem();
      fs.fail({ op, code });
      expect(await refusal(join(base, `${op}-${code}`), fs), `${op} ${code}`).to.equal(reason);
    }
  });

  it('refuses a directory owned by another user, world-writable, a symlink or not a directory', async () => {
    const base = temp.make();
    const owned = join(base, 'owned');
    mkdirSync(owned, { mode: 0o700 });
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const link = join(base, 'link');
    symlinkSync(owned, link);
    const file = join(base, 'file');
    writeFileSync(file, '');

    expect(await refusal(owned, new FaultyFileSystem(), (process.getuid?.() ?? 0) + 1234)).to.equal('foreign_owner');
    expect(await refusal(open, new FaultyFileSystem())).to.equal('world_writable');
    expect(await refusal(link, new FaultyFileSystem())).to.equal('symlink');
    expect(await refusal(file, new FaultyFileSystem())).to.equal('not_a_directory');
    expect(readdirSync(owned)).to.deep.equal([]); // nothing was written through the symlink
  });

  it('never follows a symlink planted among its files', async () => {
    const base = temp.make();
    const directory = join(base, 'spool');
    mkdirSync(directory, { mode: 0o700 });
    const target = join(base, 'precious');
    writeFileSync(target, 'do not touch');
    const dead = '0123456789abcdef';
    symlinkSync(target, join(directory, `seg.${dead}.000001767323045-${dead}-00000000.spool`));
    symlinkSync(target, join(directory, `lease.${dead}.json`));

    const { spool, problems } = await openSpool({ directory });
    expect(await drain(spool)).to.deep.equal([]);
    await spool.close();

    expect(readFileSync(target, 'utf8')).to.equal('do not touch');
    expect(problems).to.deep.equal([]);
  });

  it('degrades once on ENOSPC during append, refuses without touching the disk, then recovers', async () => {
    const clock = new ManualClock();
    const fs = new FaultyFileSystem();
    const directory = join(temp.make(), 'spool');
    const { spool, problems } = await openSpool({
      directory,
      fileSystem: fs,
      now: clock.now,
      retryAfterMillis: RETRY_AFTER_MILLIS,
      heartbeatIntervalMillis: 10 * RETRY_AFTER_MILLIS,
    });
    await spool.append(IDENTITY, body('r0'), meta(), { inFlight: false });
    fs.fail({ op: 'write', code: 'ENOSPC', path: /seg\./, count: 1 });

    const full = await spool.append(IDENTITY, body('r1'), meta(), { inFlight: false });
    const writes = fs.count('write');
    const stillFull = await spool.append(IDENTITY, body('r2'), meta(), { inFlight: false });
    clock.millis += RETRY_AFTER_MILLIS;
    const again = await spool.append(IDENTITY, body('r3'), meta(), { inFlight: false });

    expect(full).to.deep.equal({ status: 'unavailable', reason: 'no_space' });
    expect(stillFull).to.deep.equal({ status: 'unavailable', reason: 'no_space' });
    expect(fs.count('write')).to.be.greaterThan(writes); // only the retry wrote
    expect(again.status).to.equal('stored');
    expect(problems.map((p) => p.kind)).to.deep.equal(['degraded', 'recovered']);
    expect(spool.stats().state).to.equal('ok');
    await spool.close();
    const next = await openSpool({ directory });
    expect(await drain(next.spool)).to.deep.equal(['r0', 'r3']); // no half-written r1
    expect(next.spool.stats().corruptSkipped).to.equal(0);
    await next.spool.close();
  });

  it('leaves no file behind when a segment cannot be created', async () => {
    const fs = new FaultyFileSystem();
    const directory = join(temp.make(), 'spool');
    const { spool, problems } = await openSpool({ directory, fileSystem: fs });
    fs.fail({ op: 'write', code: 'ENOSPC', path: /seg\./ });

    expect(await spool.append(IDENTITY, body('r0'), meta())).to.deep.equal({
      status: 'unavailable',
      reason: 'no_space',
    });
    expect(readdirSync(directory).filter((n) => n.startsWith('seg.'))).to.deep.equal([]);
    expect(problems).to.have.length(1);
    await spool.close();
  });

  it('never throws from acknowledge or the heartbeat when the disk fails', async () => {
    const fs = new FaultyFileSystem();
    const { spool, problems } = await openSpool({ directory: join(temp.make(), 'spool'), fileSystem: fs });
    const stored = await spool.append(IDENTITY, body('r0'), meta());
    await spool.append(IDENTITY, body('r1'), meta());
    fs.fail({ op: 'write', code: 'EIO' });
    fs.fail({ op: 'readdir', code: 'EACCES' });

    if (stored.status !== 'stored') throw new Error('not stored');
    await spool.acknowledge(stored.ref);
    await spool.heartbeat();

    expect(problems.map((p) => p.kind)).to.deep.equal(['degraded']);
    expect(spool.stats()).to.include({ state: 'degraded', records: 1 });
    fs.clear();
    await spool.close();
  });

  it('keeps accepting appends when only the directory listing fails (heartbeat), and reports it once', async () => {
    const fs = new FaultyFileSystem();
    const { spool, problems } = await openSpool({ directory: join(temp.make(), 'spool'), fileSystem: fs });
    fs.fail({ op: 'readdir', code: 'EIO' });

    await spool.heartbeat();
    await spool.heartbeat();
    const result = await spool.append(IDENTITY, body('r0'), meta());

    expect(result.status).to.equal('stored');
    expect(problems.map((p) => p.kind)).to.deep.equal(['degraded', 'recovered']);
    fs.clear();
    await spool.close();
  });

  it('retries at the next heartbeat a segment it took over but could not read', async () => {
    const directory = join(temp.make(), 'spool');
    const old = await openSpool({ directory });
    await old.spool.append(IDENTITY, body('r0'), meta(), { inFlight: false });
    await old.spool.close();
    const fs = new FaultyFileSystem();
    fs.fail({ op: 'open:update', code: 'EIO', path: /seg\./, count: 1 });

    const { spool, problems } = await openSpool({ directory, fileSystem: fs });
    const before = await drain(spool);
    await spool.heartbeat();

    expect(before).to.deep.equal([]);
    expect(await drain(spool)).to.deep.equal(['r0']);
    expect(problems.map((p) => p.kind)).to.deep.equal(['degraded']);
    await spool.close();
  });

  describe('fsync policy', () => {
    const segmentSyncs = (fs: FaultyFileSystem) => fs.count('sync', /seg\./);

    it("'interval' (default): a new segment and its directory at once, appended data at most an interval later", async () => {
      const timers = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      const fs = new FaultyFileSystem();
      const directory = join(temp.make(), 'spool');
      const { spool } = await openSpool({ directory, fileSystem: fs, fsyncIntervalMillis: FSYNC_INTERVAL_MILLIS });
      const directorySyncs = fs.count('syncDirectory');

      await spool.append(IDENTITY, body('r0'), meta());
      const afterCreation = segmentSyncs(fs);
      await spool.append(IDENTITY, body('r1'), meta());
      await timers.tickAsync(FSYNC_INTERVAL_MILLIS - 1);
      const beforeInterval = segmentSyncs(fs);
      await timers.tickAsync(1);
      await settle();

      expect(fs.count('syncDirectory')).to.equal(directorySyncs + 1);
      expect(afterCreation).to.equal(1);
      expect(beforeInterval).to.equal(1);
      expect(segmentSyncs(fs)).to.equal(2); // one fsync for both appends
      await spool.close();
    });

    it("'always': append resolves after an fsync that covers it; concurrent appends share fsyncs", async () => {
      const fs = new FaultyFileSystem();
      const { spool } = await openSpool({ directory: join(temp.make(), 'spool'), fileSystem: fs, fsync: 'always' });
      await spool.append(IDENTITY, body('first'), meta());
      const before = fs.calls.length;

      await spool.append(IDENTITY, body('second'), meta());
      const ops = fs.calls.slice(before).map((c) => c.op);
      const syncsBefore = segmentSyncs(fs);
      await Promise.all(Array.from({ length: 10 }, (_, i) => spool.append(IDENTITY, body(`r${i}`), meta())));

      expect(ops).to.deep.equal(['write', 'sync']);
      expect(segmentSyncs(fs) - syncsBefore).to.be.within(1, 10);
      expect(fs.calls.map((c) => c.op).at(-1)).to.equal('sync');
      await spool.close();
    });

    it("'never': only creation is fsynced", async () => {
      const timers = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      const fs = new FaultyFileSystem();
      const { spool } = await openSpool({ directory: join(temp.make(), 'spool'), fileSystem: fs, fsync: 'never' });
      await spool.append(IDENTITY, body('r0'), meta());
      await spool.append(IDENTITY, body('r1'), meta());
      await timers.tickAsync(10 * FSYNC_INTERVAL_MILLIS);

      expect(segmentSyncs(fs)).to.equal(1);
      await spool.close();
    });
  });
});

/** Lets real file-system callbacks run (fake timers do not drive libuv). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
