/**
 * Torn and corrupt segments: truncated at every offset, every byte flipped. Reading never
 * throws or hangs; what is before the damage is delivered, in order, byte for byte; the damage
 * is counted and reported once.
 */
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32, crc32Js } from '../../src/spool/crc32';
import { headerLength } from '../../src/spool/segment-format';
import { body, drain, IDENTITY, meta, noSyncFileSystem, openSpool, TempDirs } from './helpers';

const RECORDS = 3;
const BODY_BYTES = 40;
const DATA_FRAME_BYTES = 9 + 36 + BODY_BYTES;

describe('spool: torn and corrupt segments', () => {
  const temp = new TempDirs();
  let segment: { name: string; bytes: Buffer };

  before(async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await openSpool({ directory });
    for (let i = 0; i < RECORDS; i++)
      await spool.append(IDENTITY, body(`r${i}`, BODY_BYTES), meta(), { inFlight: false });
    await spool.close();
    const [name] = readdirSync(directory).filter((n) => n.startsWith('seg.'));
    segment = { name, bytes: readFileSync(join(directory, name)) };
  });

  after(() => temp.cleanup());

  /** Opens a spool on a directory holding `bytes` as a segment left by a dead process. */
  async function deliver(bytes: Buffer) {
    const directory = join(temp.make(), 'spool');
    mkdirSync(directory, { mode: 0o700 });
    writeFileSync(join(directory, segment.name), bytes, { mode: 0o600 });
    const { spool, problems } = await openSpool({ directory, fileSystem: noSyncFileSystem });
    try {
      return { delivered: await drain(spool), problems, stats: spool.stats() };
    } finally {
      await spool.close();
    }
  }

  it('has the layout the test assumes', () => {
    const header = headerLength(segment.bytes);
    expect(segment.bytes.length).to.equal(Number(header) + RECORDS * DATA_FRAME_BYTES);
  });

  it('delivers exactly the whole records before a cut at any offset, and reports a torn tail once', async () => {
    const header = Number(headerLength(segment.bytes));
    for (let cut = 0; cut <= segment.bytes.length; cut++) {
      const { delivered, problems, stats } = await deliver(segment.bytes.subarray(0, cut));

      const whole = cut < header ? 0 : Math.floor((cut - header) / DATA_FRAME_BYTES);
      const torn = cut > 0 && cut < segment.bytes.length && (cut < header || (cut - header) % DATA_FRAME_BYTES !== 0);
      expect(delivered, `cut at ${cut}`).to.deep.equal(Array.from({ length: whole }, (_, i) => `r${i}`));
      expect(stats.corruptSkipped, `cut at ${cut}`).to.equal(torn ? 1 : 0);
      expect(
        problems.filter((p) => p.kind === 'corrupt'),
        `cut at ${cut}`
      ).to.have.length(torn ? 1 : 0);
    }
  });

  it('delivers only records before a flipped byte, never a damaged one', async () => {
    for (let at = 0; at < segment.bytes.length; at++) {
      const bytes = Buffer.from(segment.bytes);
      bytes[at] ^= 0xff;

      const { delivered, problems, stats } = await deliver(bytes);

      const expected = Array.from({ length: RECORDS }, (_, i) => `r${i}`);
      expect(delivered, `flip at ${at}`).to.deep.equal(expected.slice(0, delivered.length));
      if (delivered.length < RECORDS) {
        expect(stats.corruptSkipped, `flip at ${at}`).to.equal(1);
        expect(
          problems.filter((p) => p.kind === 'corrupt'),
          `flip at ${at}`
        ).to.have.length(1);
      }
    }
  });

  it('continues writing after a torn tail it took over: the tail is cut so later acks stay readable', async () => {
    const directory = join(temp.make(), 'spool');
    mkdirSync(directory, { mode: 0o700 });
    writeFileSync(join(directory, segment.name), segment.bytes.subarray(0, segment.bytes.length - 5), { mode: 0o600 });
    const first = await openSpool({ directory });
    const iterator = first.spool.pending(IDENTITY)[Symbol.asyncIterator]();
    const one = await iterator.next();
    await first.spool.acknowledge(one.value.ref);
    await iterator.return(undefined);
    await first.spool.close();

    const second = await openSpool({ directory });
    expect(await drain(second.spool)).to.deep.equal(['r1']);
    expect(second.problems.filter((p) => p.kind === 'corrupt')).to.have.length(0);
    await second.spool.close();
  });

  it('stops at a record corrupted under a running spool, and reports it once', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool, problems } = await openSpool({ directory });
    for (let i = 0; i < RECORDS; i++)
      await spool.append(IDENTITY, body(`r${i}`, BODY_BYTES), meta(), { inFlight: false });
    const [name] = readdirSync(directory).filter((n) => n.startsWith('seg.'));
    const bytes = readFileSync(join(directory, name));
    bytes[bytes.length - 3] ^= 0x01; // inside the last record's body
    writeFileSync(join(directory, name), bytes);

    expect(await drain(spool, IDENTITY, false)).to.deep.equal(['r0', 'r1']);
    expect(await drain(spool, IDENTITY, false)).to.deep.equal([]);
    expect(problems.filter((p) => p.kind === 'corrupt')).to.have.length(1);
    expect(spool.stats().corruptSkipped).to.equal(1);
    await spool.close();
  });

  it('checksums with CRC-32 (IEEE): the standard check value, slicing-by-8 equal to the plain table', () => {
    const table = Array.from({ length: 256 }, (_, n) => {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c >>> 0;
    });
    const reference = (bytes: Uint8Array, previous = 0): number => {
      let c = ~previous;
      for (const byte of bytes) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
      return ~c >>> 0;
    };

    expect(crc32(Buffer.from('123456789'))).to.equal(0xcbf43926);
    expect(crc32Js(Buffer.from('123456789'))).to.equal(0xcbf43926);
    expect(crc32Js(Buffer.from('6789'), crc32Js(Buffer.from('12345')))).to.equal(0xcbf43926);
    for (let length = 0; length < 64; length++) {
      const bytes = randomBytes(length);
      expect(crc32Js(bytes), `length ${length}`).to.equal(reference(bytes));
      expect(crc32Js(bytes, 0x1234), `length ${length}`).to.equal(reference(bytes, 0x1234));
      expect(crc32(bytes, 0x1234), `length ${length}`).to.equal(reference(bytes, 0x1234)); // native when present
    }
  });
});
