import { expect } from 'chai';
import { TokenBucket } from '../../src/ingest/rate-limiter';

describe('TokenBucket (x/time/rate AllowN)', () => {
  const T0 = 1_000_000;

  it('starts full and refuses what exceeds the tokens left, taking nothing', () => {
    const bucket = new TokenBucket(10, 100);
    expect(bucket.allow(T0, 60)).to.equal(true);
    expect(bucket.allow(T0, 60)).to.equal(false);
    expect(bucket.allow(T0, 40)).to.equal(true);
  });

  it('refills at the rate, up to the burst', () => {
    const bucket = new TokenBucket(10, 100);
    expect(bucket.allow(T0, 100)).to.equal(true);
    expect(bucket.allow(T0 + 1000, 11)).to.equal(false);
    expect(bucket.allow(T0 + 1000, 10)).to.equal(true);
    expect(bucket.allow(T0 + 3_600_000, 101)).to.equal(false);
    expect(bucket.allow(T0 + 3_600_000, 100)).to.equal(true);
  });

  it('always refuses more than the burst, and allows everything at an infinite rate', () => {
    expect(new TokenBucket(1e9, 5).allow(T0, 6)).to.equal(false);
    expect(new TokenBucket(Infinity, 5).allow(T0, 1e12)).to.equal(true);
  });
});
