import { expect } from 'chai';
import { countEntries, entrySize, halve, splitByBytes, streamHeaderSize } from '../../src/transport/request-splitting';
import { encodePushRequest } from '../../src/wire/push-request-writer';
import type { PushStream } from '../../src/types';

function makeStreams(streamCount: number, entriesPerStream: number, lineLength: number): PushStream[] {
  return Array.from({ length: streamCount }, (_, s) => ({
    labels: `{job="s${s}"}`,
    entries: Array.from({ length: entriesPerStream }, (_, e) => ({
      timestampNanos: 1_700_000_000_000_000_000n + BigInt(e),
      line: `${e}:`.padEnd(lineLength, 'x'),
      metadata: [{ name: 'i', value: String(e) }],
    })),
  }));
}

describe('request-splitting', () => {
  it('estimates never below the real encoded size', () => {
    const streams = makeStreams(3, 50, 100);
    let estimate = 0;
    for (const s of streams) {
      estimate += streamHeaderSize(s.labels);
      for (const e of s.entries) estimate += entrySize(e);
    }
    const actual = encodePushRequest(streams).byteLength;
    expect(estimate).to.be.at.least(actual);
    expect(estimate).to.be.below(actual * 1.15);
  });

  it('splits into requests whose encoded size stays under the bound, losing and reordering nothing', () => {
    const streams = makeStreams(4, 300, 200);
    const maxBytes = 16 * 1024;
    const requests = splitByBytes(streams, maxBytes);
    expect(requests.length).to.be.greaterThan(4);
    for (const request of requests) expect(encodePushRequest(request).byteLength).to.be.at.most(maxBytes);
    const flattened = requests.flat().flatMap((s) => s.entries.map((e) => `${s.labels}|${e.line}`));
    expect(flattened).to.deep.equal(streams.flatMap((s) => s.entries.map((e) => `${s.labels}|${e.line}`)));
  });

  it('keeps everything in one request when it fits', () => {
    const streams = makeStreams(2, 3, 10);
    expect(splitByBytes(streams, 1024 * 1024)).to.deep.equal([streams]);
  });

  it('sends an entry larger than the bound on its own', () => {
    const streams = makeStreams(1, 3, 5000);
    const requests = splitByBytes(streams, 1000);
    expect(requests.map(countEntries)).to.deep.equal([1, 1, 1]);
  });

  it('halves by entries, across streams, and refuses to halve one entry', () => {
    const streams = makeStreams(3, 3, 10);
    const [a, b] = halve(streams)!;
    expect(countEntries(a)).to.equal(5);
    expect(countEntries(b)).to.equal(4);
    expect(a.map((s) => s.labels)).to.deep.equal(['{job="s0"}', '{job="s1"}']);
    expect(b.map((s) => s.labels)).to.deep.equal(['{job="s1"}', '{job="s2"}']);
    expect(halve(makeStreams(1, 1, 10))).to.equal(undefined);
  });
});
