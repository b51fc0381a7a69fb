import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fc from 'fast-check';
import * as snappyjs from 'snappyjs';
import { compressBlock, maxCompressedLength } from '../../src/wire/snappy-compressor';
import { snappyCompress, useSnappyImplementation } from '../../src/wire/snappy';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

/** Bytes shaped like push bodies: repeated names and values, runs, random stretches. */
const bodyLike = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom('service_name', 'severity_text', 'INFO', 'trace_id', '{job="api"}').map((s) => Buffer.from(s)),
      fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3000 }))
        .map(([b, n]) => new Uint8Array(n).fill(b))
    ),
    { maxLength: 60 }
  )
  .map((parts) => Buffer.concat(parts));

/** python3-snappy is in the CI image (.ci/run); elsewhere the test is skipped, in CI it fails. */
function requirePython3Snappy(ctx: Mocha.Context): void {
  if (spawnSync('/usr/bin/python3', ['-c', 'import snappy'], { stdio: 'ignore' }).status === 0) return;
  if (process.env.CI) throw new Error('python3-snappy is required in CI (installed by .ci/run)');
  ctx.skip();
}

describe('snappy-compressor', () => {
  it('is read back by the independent block decoder and by snappyjs (property)', () => {
    fc.assert(
      fc.property(bodyLike, (input) => {
        const compressed = compressBlock(input);
        expect(compressed.byteLength).to.be.at.most(maxCompressedLength(input.byteLength));
        expect(Buffer.from(snappyBlockDecompress(compressed)).equals(input)).to.equal(true);
        expect(Buffer.from(snappyjs.uncompress(compressed)).equals(input)).to.equal(true);
      }),
      { numRuns: 300 }
    );
  });

  it('handles inputs across several 64 KiB fragments, and compresses repetitive ones', () => {
    const line = Buffer.from('GET /api/cart 200 user=u-1234 trace_id=0af7651916cd43dd8448eb211c80319c\n');
    const input = Buffer.concat(Array.from({ length: 5000 }, (_, i) => Buffer.concat([line, Buffer.from(String(i))])));
    const compressed = compressBlock(input);
    expect(Buffer.from(snappyBlockDecompress(compressed)).equals(input)).to.equal(true);
    expect(compressed.byteLength).to.be.below(input.byteLength / 4);
  });

  it('compresses the empty input and inputs shorter than the match margin', () => {
    for (const input of [Buffer.alloc(0), Buffer.from('a'), Buffer.from('abcdefghijklmn')]) {
      expect(Buffer.from(snappyBlockDecompress(compressBlock(input))).equals(input)).to.equal(true);
    }
  });

  it('is decompressed by python3-snappy (Debian), the block format Loki reads', function () {
    requirePython3Snappy(this);
    const input = Buffer.concat(
      Array.from({ length: 3000 }, (_, i) => Buffer.from(`entry ${i} {service_name="api"} payload ${i % 7}\n`))
    );
    const out = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys, snappy; sys.stdout.buffer.write(snappy.uncompress(sys.stdin.buffer.read()))'],
      {
        input: compressBlock(input),
        maxBuffer: 64 * 1024 * 1024,
      }
    );
    expect(out.equals(input)).to.equal(true);
  });
});

describe('snappyCompress (native when installed, else JavaScript)', () => {
  afterEach(() => useSnappyImplementation('native'));

  for (const implementation of ['native', 'javascript'] as const) {
    it(`${implementation}: output is read by the independent block decoder (property)`, function () {
      if (useSnappyImplementation(implementation) !== implementation) this.skip();
      fc.assert(
        fc.property(bodyLike, (input) => {
          expect(Buffer.from(snappyBlockDecompress(snappyCompress(input))).equals(input)).to.equal(true);
        }),
        { numRuns: 100 }
      );
    });
  }

  it('accepts a Uint8Array view that is not a Buffer', () => {
    const backing = new Uint8Array(100).fill(7);
    const view = backing.subarray(10, 90);
    expect(Buffer.from(snappyBlockDecompress(snappyCompress(view))).equals(Buffer.from(view))).to.equal(true);
  });
});
