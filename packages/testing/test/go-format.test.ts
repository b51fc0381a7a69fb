import { expect } from 'chai';
import { formatGoTime, formatRfc3339 } from '../src/go-format';

describe('go-format', () => {
  it('formats RFC 3339 without fractions, in UTC', () => {
    expect(formatRfc3339(1_700_000_000_123_456_789n)).to.equal('2023-11-14T22:13:20Z');
    expect(formatRfc3339(-1n)).to.equal('1969-12-31T23:59:59Z');
  });

  it('formats time.Time.String() with trimmed fractions', () => {
    expect(formatGoTime(1_700_000_000_000_000_000n)).to.equal('2023-11-14 22:13:20 +0000 UTC');
    expect(formatGoTime(1_700_000_000_500_000_000n)).to.equal('2023-11-14 22:13:20.5 +0000 UTC');
    expect(formatGoTime(1_700_000_000_000_000_001n)).to.equal('2023-11-14 22:13:20.000000001 +0000 UTC');
  });
});
