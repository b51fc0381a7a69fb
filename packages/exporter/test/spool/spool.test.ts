/** The spool's contract: stored, handed back oldest first until acknowledged, per identity, across restarts. */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../../src/spool/spool';
import { nodeSpoolFileSystem } from '../../src/spool/spool-file-system';
import type { SpoolFileSystem } from '../../src/spool/spool-file-system';
import type { Spool as SpoolType } from '../../src/spool/spool';
import { body, drain, FaultyFileSystem, IDENTITY, meta, openSpool, OTHER_IDENTITY, TempDirs } from './helpers';

const RECORDS = 5;

describe('spool', () => {
  const temp = new TempDirs();
  const open: SpoolType[] = [];
  const track = async (directory: string, extra = {}) => {
    const opened = await openSpool({ directory, ...extra });
    open.push(opened.spool);
    return opened;
  };

  afterEach(async () => {
    for (const spool of open.splice(0)) await spool.close();
    temp.cleanup();
  });

  it('hands stored records back oldest first, and not again once acknowledged', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await track(directory);
    for (let i = 0; i < RECORDS; i++) {
      const result = await spool.append(IDENTITY, body(`r${i}`), meta(2), { inFlight: false });
      expect(result.status).to.equal('stored');
    }

    expect(spool.stats()).to.include({ records: RECORDS, entries: 2 * RECORDS, files: 1 });
    expect(await drain(spool)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(await drain(spool)).to.deep.equal([]);
    expect(spool.stats()).to.include({ records: 0, entries: 0, oldestRecordAgeMillis: 0 });
  });

  it('keeps what was not acknowledged for the next process, and acknowledgements too', async () => {
    const directory = join(temp.make(), 'spool');
    const first = (await openSpool({ directory })).spool;
    for (let i = 0; i < RECORDS; i++) await first.append(IDENTITY, body(`r${i}`), meta(), { inFlight: false });
    const iterator = first.pending(IDENTITY)[Symbol.asyncIterator]();
    const one = await iterator.next();
    await first.acknowledge(one.value.ref);
    await iterator.return(undefined);
    await first.close();

    const { spool: second } = await track(directory);

    expect(second.stats()).to.include({ records: RECORDS - 1, segmentsTakenOver: 1 });
    expect(await drain(second)).to.deep.equal(['r1', 'r2', 'r3', 'r4']);
  });

  it('writes an acknowledgement with the next append (one write for both), or alone after ackDelayMillis', async () => {
    const fileSystem = new FaultyFileSystem();
    const directory = join(temp.make(), 'spool');
    const { spool } = await track(directory, { fileSystem, ackDelayMillis: 100 });
    const writes = () => fileSystem.count('write', /seg\./);
    const first = await spool.append(IDENTITY, body('a'), meta());
    if (first.status !== 'stored') throw new Error('not stored');
    await spool.acknowledge(first.ref);
    const before = writes();
    const second = await spool.append(IDENTITY, body('b'), meta());
    if (second.status !== 'stored') throw new Error('not stored');
    expect(writes() - before).to.equal(1); // the ack of 'a' and record 'b' in one write
    await spool.acknowledge(second.ref);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(writes() - before).to.equal(2); // the ack of 'b' alone, after the delay

    // Both acknowledgements are on disk: the next process (after an exit without close) gets nothing.
    spool.closeSync();
    const { spool: next } = await track(directory);
    expect(await drain(next)).to.deep.equal([]);
  });

  it('a process killed within ackDelayMillis of an acknowledgement sends that record again (byte-identical)', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool: killed } = await openSpool({ directory, ackDelayMillis: 60_000 });
    const stored = await killed.append(IDENTITY, body('resent'), meta());
    if (stored.status !== 'stored') throw new Error('not stored');
    await killed.acknowledge(stored.ref);
    expect(killed.stats().records).to.equal(0);
    killed.closeSync(); // as at a kill: nothing asynchronous runs any more (and the lease is freed)

    const { spool: next } = await track(directory);
    expect(await drain(next)).to.deep.equal(['resent']);
  });

  it('never hands out a record being acknowledged while an append holds the write queue', async () => {
    // Writes take 20 ms: the append holds the write queue while pending() reads.
    const slowWrites: SpoolFileSystem = {
      ...nodeSpoolFileSystem,
      open: async (path, mode) => {
        const handle = await nodeSpoolFileSystem.open(path, mode);
        return {
          read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
          write: async (bytes, position) => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return handle.write(bytes, position);
          },
          sync: () => handle.sync(),
          truncate: (length) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
        };
      },
    };
    const { spool } = await track(join(temp.make(), 'spool'), { fileSystem: slowWrites });
    for (let round = 0; round < 5; round++) {
      const sent = await spool.append(IDENTITY, body(`sent${round}`), meta());
      if (sent.status !== 'stored') throw new Error('not stored');
      const appending = spool.append(IDENTITY, body(`next${round}`, 200_000), meta(), { inFlight: false });
      const acknowledging = spool.acknowledge(sent.ref); // queued behind the append's write
      const handedOut = await drain(spool);
      await Promise.all([appending, acknowledging]);
      expect(handedOut, `round ${round}`).to.not.include(`sent${round}`);
    }
  });

  it('keeps the body byte for byte, and the metadata', async () => {
    const { spool } = await track(join(temp.make(), 'spool'));
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
    const stored = {
      entries: 3,
      oldestNanos: 1_767_323_045_000_000_001n,
      newestNanos: 1_767_323_045_999_999_999n,
      uncompressedBytes: 1234,
      contentType: 'application/x-protobuf',
      streams: ['{a="b"}', '{c="d"}'],
    };
    await spool.append(IDENTITY, bytes, stored, { inFlight: false });

    const [request] = await toArray(spool.pending(IDENTITY));

    expect(Buffer.from(request.body).equals(bytes)).to.be.true;
    expect(request.meta).to.deep.equal(stored);
    expect(request.identity).to.deep.equal(IDENTITY);
  });

  it('never hands a record to another identity', async () => {
    const { spool } = await track(join(temp.make(), 'spool'));
    await spool.append(IDENTITY, body('mine'), meta(), { inFlight: false });
    await spool.append(OTHER_IDENTITY, body('theirs'), meta(), { inFlight: false });
    await spool.append({ pushUrl: 'http://other:3100/loki/api/v1/push', tenant: 'team-a' }, body('elsewhere'), meta(), {
      inFlight: false,
    });

    expect(await drain(spool, IDENTITY)).to.deep.equal(['mine']);
    expect(await drain(spool, OTHER_IDENTITY)).to.deep.equal(['theirs']);
    expect(spool.stats().files).to.equal(3);
  });

  it('lists the identities it holds records of, its own and those of a previous process', async () => {
    const directory = join(temp.make(), 'spool');
    const first = (await openSpool({ directory })).spool;
    await first.append(IDENTITY, body('a'), meta(), { inFlight: false });
    await first.append(OTHER_IDENTITY, body('b'), meta(), { inFlight: false });
    await first.close();

    const { spool } = await track(directory);

    expect(spool.identities()).to.have.deep.members([IDENTITY, OTHER_IDENTITY]);
  });

  it('skips records in flight until released; an appended record is in flight by default', async () => {
    const { spool } = await track(join(temp.make(), 'spool'));
    const live = await spool.append(IDENTITY, body('live'), meta());
    await spool.append(IDENTITY, body('backlog'), meta(), { inFlight: false });

    expect(await drain(spool, IDENTITY, false)).to.deep.equal(['backlog']);
    expect(await drain(spool, IDENTITY, false)).to.deep.equal([]); // the backlog record is in flight now
    if (live.status !== 'stored') throw new Error('not stored');
    spool.release(live.ref);
    expect(await drain(spool)).to.deep.equal(['live']);
  });

  it('never writes credentials: user:password in the URL is removed', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await track(directory);
    const secret = { pushUrl: 'https://user:s3cr3t-token@loki.example:3100/loki/api/v1/push', tenant: 't' };
    await spool.append(secret, body('x'), meta(), { inFlight: false });
    await spool.close();

    const bytes = readdirSync(directory)
      .map((name) => readFileSync(join(directory, name)).toString('latin1'))
      .join('');
    expect(bytes).not.to.include('s3cr3t-token');
    expect(bytes).to.include('loki.example:3100');
    const { spool: next } = await track(directory);
    expect(await drain(next, { pushUrl: 'https://loki.example:3100/loki/api/v1/push', tenant: 't' })).to.deep.equal([
      'x',
    ]);
  });

  it('creates its directory 0700 and its files 0600', async () => {
    const directory = join(temp.make(), 'nested', 'spool');
    const { spool } = await track(directory);
    await spool.append(IDENTITY, body('x'), meta());

    expect(statSync(directory).mode & 0o777).to.equal(0o700);
    for (const name of readdirSync(directory)) expect(statSync(join(directory, name)).mode & 0o777).to.equal(0o600);
  });

  it('starts a new segment at segmentBytes and removes a segment once all of it is acknowledged', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await track(directory, { segmentBytes: 400 });
    for (let i = 0; i < 6; i++) await spool.append(IDENTITY, body(`r${i}`, 100), meta(), { inFlight: false });
    const segments = () => readdirSync(directory).filter((n) => n.startsWith('seg.')).length;
    expect(segments()).to.be.greaterThan(1);

    expect(await drain(spool)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);

    expect(segments()).to.equal(1); // only the segment still being written remains
    expect(spool.stats()).to.include({ records: 0, files: 1 });
  });

  it('reports the age of the oldest record and its bytes', async () => {
    let now = 1_000_000;
    const { spool } = await track(join(temp.make(), 'spool'), { now: () => now });
    await spool.append(IDENTITY, body('x'), meta(), { inFlight: false });
    now += 2_500;

    const stats = spool.stats();
    expect(stats.oldestRecordAgeMillis).to.equal(2_500);
    expect(stats.bytes).to.be.greaterThan(64);
  });

  it('stores synchronously for the exit path, beside an asynchronous append still in progress', async () => {
    const directory = join(temp.make(), 'spool');
    const first = (await openSpool({ directory })).spool;
    await first.append(IDENTITY, body('before'), meta(), { inFlight: false });

    const running = first.append(IDENTITY, body('async'), meta(), { inFlight: false });
    const last = first.appendSync(IDENTITY, body('last words'), meta(2));
    const again = first.appendSync(IDENTITY, body('really last'), meta());
    await running;

    expect(last.status).to.equal('stored');
    expect(again.status).to.equal('stored');
    expect(first.stats()).to.include({ records: 4, entries: 5 });
    await first.close();
    const { spool: next } = await track(directory);
    expect((await drain(next)).sort()).to.deep.equal(['async', 'before', 'last words', 'really last']);
  });

  it('refuses after close, without throwing', async () => {
    const { spool } = await track(join(temp.make(), 'spool'));
    await spool.close();
    expect(await spool.append(IDENTITY, body('x'), meta())).to.deep.equal({ status: 'unavailable', reason: 'closed' });
    expect(spool.appendSync(IDENTITY, body('x'), meta())).to.deep.equal({ status: 'unavailable', reason: 'closed' });
    expect(await toArray(spool.pending(IDENTITY))).to.deep.equal([]);
  });

  it('throws for invalid options (a programmer error), naming the option', async () => {
    await expectRejection(Spool.open({ directory: '' }), /spool.directory/);
    await expectRejection(Spool.open({ directory: '/tmp/x', maxBytes: -1 }), /spool.maxBytes/);
    await expectRejection(Spool.open({ directory: '/tmp/x', fsync: 'sometimes' as never }), /spool.fsync/);
  });
});

async function toArray<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(String(error)).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}
