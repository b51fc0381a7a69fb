/** The bound: at maxBytes the oldest records go, counted and reported once; the disk never holds more. */
import { expect } from 'chai';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { body, drain, IDENTITY, meta, noSyncFileSystem, openSpool, TempDirs } from './helpers';

const MAX_BYTES = 4_000;
const RECORDS = 100;
const ENTRIES_PER_RECORD = 3;
const BODY_BYTES = 100;
const FRAME_BYTES = 9 + 36 + BODY_BYTES;

describe('spool: maxBytes', () => {
  const temp = new TempDirs();
  afterEach(() => temp.cleanup());

  const segmentBytesOnDisk = (directory: string): number =>
    readdirSync(directory)
      .filter((name) => name.startsWith('seg.'))
      .reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);

  it('drops the oldest records at the bound, counts them, reports once, and never holds more on disk', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool, problems } = await openSpool({ directory, maxBytes: MAX_BYTES, fileSystem: noSyncFileSystem });
    let largest = 0;

    for (let i = 0; i < RECORDS; i++) {
      const result = await spool.append(IDENTITY, body(`r${i}`, BODY_BYTES), meta(ENTRIES_PER_RECORD), {
        inFlight: false,
      });
      expect(result.status).to.equal('stored');
      largest = Math.max(largest, segmentBytesOnDisk(directory));
    }
    const stats = spool.stats();
    const onDisk = segmentBytesOnDisk(directory);
    const delivered = await drain(spool);

    expect(largest).to.be.at.most(MAX_BYTES);
    expect(stats.bytes).to.equal(onDisk);
    expect(stats.droppedRecords + delivered.length).to.equal(RECORDS);
    expect(stats.droppedEntries).to.equal(stats.droppedRecords * ENTRIES_PER_RECORD);
    expect(delivered.length).to.be.greaterThan((MAX_BYTES / FRAME_BYTES) * 0.5);
    const first = RECORDS - delivered.length;
    expect(delivered).to.deep.equal(Array.from({ length: delivered.length }, (_, i) => `r${first + i}`));
    const full = problems.filter((p) => p.kind === 'spool_full');
    expect(full).to.have.length(1);
    await spool.close();
  });

  it('refuses a record larger than the whole spool (the caller keeps it in memory)', async () => {
    const { spool } = await openSpool({ directory: join(temp.make(), 'spool'), maxBytes: MAX_BYTES });
    await spool.append(IDENTITY, body('small'), meta(), { inFlight: false });

    const result = await spool.append(IDENTITY, body('huge', MAX_BYTES), meta());

    expect(result).to.deep.equal({ status: 'unavailable', reason: 'too_large' });
    expect(await drain(spool)).to.deep.equal(['small']);
    await spool.close();
  });

  it('refuses (spool_full) when other processes’ files fill the directory: it never drops theirs', async () => {
    const directory = join(temp.make(), 'spool');
    const other = await openSpool({ directory, fileSystem: noSyncFileSystem });
    for (let i = 0; i < 40; i++)
      await other.spool.append(IDENTITY, body(`o${i}`, BODY_BYTES), meta(), { inFlight: false });
    const { spool } = await openSpool({ directory, maxBytes: MAX_BYTES, fileSystem: noSyncFileSystem });

    const result = await spool.append(IDENTITY, body('r0', BODY_BYTES), meta());

    expect(result).to.deep.equal({ status: 'unavailable', reason: 'spool_full' });
    expect(await drain(other.spool)).to.have.length(40);
    await spool.close();
    await other.spool.close();
  });

  it('counts other processes’ files against the bound of the shared directory, and drops only its own', async () => {
    const directory = join(temp.make(), 'spool');
    const other = await openSpool({ directory, maxBytes: MAX_BYTES, fileSystem: noSyncFileSystem });
    for (let i = 0; i < 10; i++)
      await other.spool.append(IDENTITY, body(`o${i}`, BODY_BYTES), meta(), { inFlight: false });
    const { spool } = await openSpool({ directory, maxBytes: MAX_BYTES, fileSystem: noSyncFileSystem });

    for (let i = 0; i < RECORDS; i++)
      await spool.append(IDENTITY, body(`r${i}`, BODY_BYTES), meta(), { inFlight: false });

    expect(segmentBytesOnDisk(directory)).to.be.at.most(MAX_BYTES);
    expect(await drain(other.spool)).to.have.length(10);
    await spool.close();
    await other.spool.close();
  });
});
