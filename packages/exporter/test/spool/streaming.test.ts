/** Memory stays bounded: a spool of many MB is scanned and handed out from disk, never loaded. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IDENTITY, meta, noSyncFileSystem, openSpool, TempDirs } from './helpers';

const RECORDS = 400;
const BODY_BYTES = 100 * 1024;
const GC_EVERY = 25;
/** One body, one read chunk, the decoder's copies, allocator slack: far below the 41 MB on disk. */
const MAX_GROWTH_BYTES = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and buffers in use after a full collection (twice: buffers are freed by finalizers). */
async function used(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

describe('spool: streaming', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it(`reads a ${(RECORDS * BODY_BYTES) / 1e6} MB spool with bounded memory, at open and while draining`, async () => {
    const directory = join(temp.make(), 'spool');
    const writer = await openSpool({ directory, fileSystem: noSyncFileSystem, fsync: 'never' });
    const chunk = randomBytes(BODY_BYTES);
    for (let i = 0; i < RECORDS; i++) {
      chunk.writeUInt32BE(i, 0);
      await writer.spool.append(IDENTITY, chunk, meta(), { inFlight: false });
    }
    await writer.spool.close();
    const baseline = await used();
    let peak = 0;

    const { spool } = await openSpool({ directory, fileSystem: noSyncFileSystem });
    const afterOpen = (await used()) - baseline;
    let count = 0;
    for await (const request of spool.pending(IDENTITY)) {
      expect(Buffer.from(request.body).readUInt32BE(0)).to.equal(count);
      await spool.acknowledge(request.ref);
      if (++count % GC_EVERY === 0) peak = Math.max(peak, (await used()) - baseline);
    }
    await spool.close();

    expect(count).to.equal(RECORDS);
    expect(afterOpen).to.be.below(MAX_GROWTH_BYTES);
    expect(peak).to.be.below(MAX_GROWTH_BYTES);
  });
});
