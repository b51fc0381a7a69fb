/** The file format, read back by an independent parser written from the README's layout. */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { body, IDENTITY, meta, openSpool, TempDirs } from './helpers';

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (bytes: Uint8Array): number => {
  let c = ~0;
  for (const byte of bytes) c = TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
};

interface Frame {
  offset: number;
  kind: number;
  payload: Buffer;
}

function parse(file: Buffer): { header: Record<string, unknown>; version: number; frames: Frame[] } {
  expect(file.subarray(0, 8).toString('latin1')).to.equal('OTLSPOOL');
  const version = file.readUInt16BE(8);
  const jsonLength = file.readUInt32BE(12);
  const json = file.subarray(20, 20 + jsonLength);
  expect(crc(json)).to.equal(file.readUInt32BE(16));
  const frames: Frame[] = [];
  for (let offset = 20 + jsonLength; offset < file.length;) {
    const length = file.readUInt32BE(offset);
    const checked = file.subarray(offset + 8, offset + 9 + length);
    expect(crc(checked)).to.equal(file.readUInt32BE(offset + 4));
    frames.push({ offset, kind: file[offset + 8], payload: file.subarray(offset + 9, offset + 9 + length) });
    offset += 9 + length;
  }
  return { header: JSON.parse(json.toString('utf8')), version, frames };
}

describe('spool: file format', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('writes the documented header, data frames and ack frames', async () => {
    const directory = join(temp.make(), 'spool');
    const { spool } = await openSpool({ directory, now: () => 1_767_323_045_123 });
    const identity = { ...IDENTITY, pushUrl: 'http://user:secret@127.0.0.1:3100/loki/api/v1/push' };
    const first = await spool.append(identity, body('one', 10), {
      ...meta(7, ['{a="b"}']),
      contentType: 'application/x-protobuf',
    });
    await spool.append(identity, body('two', 10), meta(1));
    if (first.status !== 'stored') throw new Error('not stored');
    await spool.acknowledge(first.ref);
    await spool.close();

    const [name] = readdirSync(directory).filter((n) => n.startsWith('seg.'));
    const { header, version, frames } = parse(readFileSync(join(directory, name)));

    expect(name).to.match(/^seg\.[0-9a-f]{16}\.001767323045123-[0-9a-f]{16}-00000000\.spool$/);
    expect(version).to.equal(1);
    expect(header).to.deep.include({ pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: 'team-a' });
    expect(frames.map((f) => f.kind)).to.deep.equal([1, 1, 2]);
    const data = frames[0].payload;
    expect(Number(data.readBigUInt64BE(0))).to.equal(1_767_323_045_123);
    expect(data.readUInt32BE(8)).to.equal(7);
    expect(data.readBigUInt64BE(12)).to.equal(1_000n);
    expect(data.readBigUInt64BE(20)).to.equal(2_000n);
    expect(data.readUInt32BE(28)).to.equal(70);
    const extraLength = data.readUInt32BE(32);
    expect(JSON.parse(data.toString('utf8', 36, 36 + extraLength))).to.deep.equal({
      contentType: 'application/x-protobuf',
      streams: ['{a="b"}'],
    });
    expect(data.subarray(36 + extraLength).toString()).to.equal('one.......');
    expect(frames[1].payload.readUInt32BE(32)).to.equal(0); // no content type, no streams
    expect(Number(frames[2].payload.readBigUInt64BE(0))).to.equal(frames[0].offset);
  });
});
