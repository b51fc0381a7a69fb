/** The retry buffer as a data structure: order, merging, the byte bound, requeue, expiry. */
import { expect } from 'chai';
import type { PushStream } from '@otel-loki/push';
import { ENTRY_OVERHEAD_BYTES, expireEntries, makeChunk, RetryBuffer } from '../../src/sending/retry-buffer';

const T0 = 1_767_323_045_000_000_000n;

function streams(...lines: string[]): PushStream[] {
  return [{ labels: '{a="b"}', entries: lines.map((line, i) => ({ timestampNanos: T0 + BigInt(i), line })) }];
}

const lines = (chunks: ReturnType<RetryBuffer['take']>): string[] =>
  (chunks ?? []).flatMap((c) => c.streams.flatMap((s) => s.entries.map((e) => e.line)));

describe('retry buffer', () => {
  it('measures a chunk: labels, lines, metadata and a fixed overhead per entry', () => {
    const chunk = makeChunk('t', [
      { labels: '{a="b"}', entries: [{ timestampNanos: T0, line: 'hello', metadata: [{ name: 'k', value: 'vv' }] }] },
    ]);
    expect(chunk).to.include({ entries: 1, bytes: 7 + 5 + 3 + ENTRY_OVERHEAD_BYTES, oldestNanos: T0 });
  });

  it('gives chunks back oldest first, merging those of one tenant up to the byte bound', () => {
    const buffer = new RetryBuffer(10_000);
    buffer.append(makeChunk('a', streams('1')));
    buffer.append(makeChunk('a', streams('2')));
    buffer.append(makeChunk('b', streams('3')));
    buffer.append(makeChunk('b', streams('4')));

    const first = buffer.take(10_000);
    const second = buffer.take(1); // the first chunk always goes, even over the bound
    const third = buffer.take(10_000);

    expect(lines(first)).to.deep.equal(['1', '2']);
    expect(lines(second)).to.deep.equal(['3']);
    expect(lines(third)).to.deep.equal(['4']);
    expect(buffer.take(10_000)).to.equal(undefined);
    expect(buffer).to.include({ isEmpty: true, bytes: 0, entries: 0 });
  });

  it('drops the oldest chunks when over its bound, never the one just added', () => {
    const one = makeChunk(undefined, streams('x'.repeat(100))).bytes;
    const buffer = new RetryBuffer(one * 2);
    expect(buffer.append(makeChunk(undefined, streams('x'.repeat(100))))).to.have.length(0);
    expect(buffer.append(makeChunk(undefined, streams('y'.repeat(100))))).to.have.length(0);

    const dropped = buffer.append(makeChunk(undefined, streams('z'.repeat(100))));
    const huge = new RetryBuffer(10).append(makeChunk(undefined, streams('w'.repeat(100))));

    expect(lines(dropped)).to.deep.equal(['x'.repeat(100)]);
    expect(buffer.entries).to.equal(2);
    expect(buffer.bytes).to.equal(one * 2);
    expect(huge).to.have.length(0);
  });

  it('puts a failed group back in front of newer data', () => {
    const buffer = new RetryBuffer(10_000);
    buffer.append(makeChunk('a', streams('old')));
    buffer.append(makeChunk('a', streams('new')));
    const taken = buffer.take(1) ?? [];

    buffer.requeue(taken[0]);

    expect(lines(buffer.take(10_000))).to.deep.equal(['old', 'new']);
  });

  it('stays correct over many appends and takes (the consumed prefix is compacted)', () => {
    const buffer = new RetryBuffer(1e9);
    const seen: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      buffer.append(makeChunk('a', streams(String(i))));
      if (i % 2 === 1) seen.push(...lines(buffer.take(1)));
    }
    // Bounded by the 2 500 chunks left.
    for (let chunk = buffer.take(1); chunk !== undefined; chunk = buffer.take(1)) seen.push(...lines(chunk));
    expect(seen).to.deep.equal(Array.from({ length: 5_000 }, (_, i) => String(i)));
  });

  it('removes entries that became too old for Loki, and re-measures the chunk', () => {
    const chunk = makeChunk('a', [
      {
        labels: '{a="1"}',
        entries: [
          { timestampNanos: T0, line: 'old' },
          { timestampNanos: T0 + 10n, line: 'fresh' },
        ],
      },
      { labels: '{a="2"}', entries: [{ timestampNanos: T0 + 1n, line: 'old too' }] },
    ]);

    const removed = expireEntries(chunk, T0 + 5n);

    expect(removed).to.equal(2);
    expect(chunk.streams).to.deep.equal([
      { labels: '{a="1"}', entries: [{ timestampNanos: T0 + 10n, line: 'fresh' }] },
    ]);
    expect(chunk).to.include({ entries: 1, oldestNanos: T0 + 10n });
    expect(expireEntries(chunk, T0 + 5n)).to.equal(0);
  });
});
