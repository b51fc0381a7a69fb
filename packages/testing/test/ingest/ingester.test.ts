import { expect } from 'chai';
import { Ingester } from '../../src/ingest/ingester';
import type { IngestedEntry } from '../../src/internal-types';

const HOUR = 3_600_000_000_000n;
const T = 1_700_000_000_000_000_000n;
const entry = (timestampNanos: bigint, line: string, metadata: Array<[string, string]> = []): IngestedEntry => ({
  timestampNanos,
  line,
  metadata: metadata.map(([name, value]) => ({ name, value })),
});
const settings = {
  maxStreamsPerTenant: 10,
  outOfOrderWindowMillis: 3_600_000,
  duplicateCheckIgnoresMetadata: false,
  perStreamRateLimitBytesPerSecond: Infinity,
  perStreamRateLimitBurstBytes: 15 * 1024 * 1024,
};

describe('Ingester', () => {
  it('keeps entries sorted by time, equal timestamps in arrival order', () => {
    const ingester = new Ingester(settings);
    ingester.push('t', [
      { labels: '{a="1"}', entries: [entry(T + 2n, 'c'), entry(T, 'a'), entry(T + 2n, 'd'), entry(T + 1n, 'b')] },
    ]);
    expect(ingester.streams('t')[0].stream.entries.map((e) => e.line)).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('refuses entries more than the window behind the newest, judged entry by entry within one push', () => {
    const ingester = new Ingester(settings);
    const result = ingester.push('t', [
      { labels: '{a="1"}', entries: [entry(T, 'new'), entry(T - 2n * HOUR, 'old'), entry(T - HOUR, 'edge')] },
    ]);
    expect(result).to.include({ stored: 2, refused: 1 });
    expect(result.error?.status).to.equal(400);
    expect(result.error?.body).to.equal(
      "entry with timestamp 2023-11-14 20:13:20 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: " +
        "2023-11-14T20:13:20Z, oldest acceptable timestamp is: 2023-11-14T21:13:20Z',\n" +
        'user \'t\', total ignored: 1 out of 3 for stream: {a="1"}'
    );
  });

  it('lists at most 10 refused entries but counts them all', () => {
    const ingester = new Ingester(settings);
    ingester.push('t', [{ labels: '{a="1"}', entries: [entry(T, 'new')] }]);
    const old = Array.from({ length: 12 }, (_, i) => entry(T - 2n * HOUR - BigInt(i), `old${i}`));
    const body = ingester.push('t', [{ labels: '{a="1"}', entries: old }]).error?.body ?? '';
    expect(body.split('\n')).to.have.length(11);
    expect(body).to.match(/total ignored: 12 out of 12 for stream/);
  });

  it('drops exact duplicates silently; metadata counts unless configured like Loki 3.4', () => {
    const current = new Ingester(settings);
    const legacy = new Ingester({ ...settings, duplicateCheckIgnoresMetadata: true });
    for (const ingester of [current, legacy]) {
      ingester.push('t', [{ labels: '{a="1"}', entries: [entry(T, 'x', [['k', '1']]), entry(T + 1n, 'y')] }]);
      ingester.push('t', [{ labels: '{a="1"}', entries: [entry(T, 'x', [['k', '2']]), entry(T, 'x', [['k', '1']])] }]);
    }
    expect(current.streams('t')[0].stream.entries).to.have.length(3);
    expect(legacy.streams('t')[0].stream.entries).to.have.length(2);
  });

  it("refuses entries over the per-stream rate with 429 and Loki's message, storing the others", () => {
    const ingester = new Ingester({
      ...settings,
      perStreamRateLimitBytesPerSecond: 1024,
      perStreamRateLimitBurstBytes: 10,
    });
    const result = ingester.push(
      't',
      [{ labels: '{a="1"}', entries: [entry(T, '12345678'), entry(T + 1n, 'abcdefgh'), entry(T + 2n, 'x')] }],
      1_000
    );
    expect(result).to.include({ stored: 2, refused: 1 });
    expect(result.error?.status).to.equal(429);
    expect(result.error?.body).to.equal(
      "entry with timestamp 2023-11-14 22:13:20.000000001 +0000 UTC ignored, reason: 'Per stream rate limit exceeded (limit: 1KB/sec) " +
        'while attempting to ingest for stream \'{a="1"}\' totaling 8B, consider splitting a stream via additional labels or contact ' +
        "your Loki administrator to see if the limit can be increased',\nuser 't', total ignored: 1 out of 3 for stream: {a=\"1\"}"
    );
  });

  it('refuses a new stream over the limit with 429 and keeps the others', () => {
    const ingester = new Ingester({ ...settings, maxStreamsPerTenant: 1 });
    const result = ingester.push('t', [
      { labels: '{a="1"}', entries: [entry(T, 'x')] },
      { labels: '{a="2"}', entries: [entry(T, 'y')] },
    ]);
    expect(result.error?.status).to.equal(429);
    expect(result.error?.body).to.match(
      /^Maximum active stream limit exceeded when trying to create stream \{a="2"\}, .* user: 't'$/
    );
    expect(ingester.streams().map((s) => s.stream.key)).to.deep.equal(['{a="1"}']);
  });

  it('refuses a stream whose canonical labels do not parse again (U+FFFD), as the ingester re-parses them', () => {
    const ingester = new Ingester(settings);
    const result = ingester.push('t', [{ labels: '{a="\ufffd"}', entries: [entry(T, 'x')] }]);
    expect(result.error).to.deep.equal({ status: 400, body: '1:4: parse error: invalid UTF-8 rune' });
  });
});
