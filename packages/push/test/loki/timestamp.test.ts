import { expect } from 'chai';
import * as sinon from 'sinon';
import { nowNanos, toNanos, validateTimezone, zonedWallTimeToUtcMillis } from '../../src/loki/timestamp';

const NS = 1_000_000n;

describe('timestamp', () => {
  describe('toNanos', () => {
    it('reads a decimal nanosecond string exactly (beyond 2^53)', () => {
      expect(toNanos('1645123456000000001', 'UTC', 'ts')).to.equal(1_645_123_456_000_000_001n);
    });

    it('takes a bigint as is', () => {
      expect(toNanos(1_645_123_456_987_654_321n, 'UTC', 'ts')).to.equal(1_645_123_456_987_654_321n);
    });

    it('reads a Date at millisecond precision', () => {
      expect(toNanos(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 'UTC', 'ts')).to.equal(1_704_164_645_678n * NS);
    });

    it('reads ISO-8601 with Z, offsets and 9 fraction digits', () => {
      expect(toNanos('2024-01-02T03:04:05.123456789Z', 'UTC', 'ts')).to.equal(1_704_164_645_123_456_789n);
      expect(toNanos('2024-01-02T04:04:05.5+01:00', 'UTC', 'ts')).to.equal(1_704_164_645_500_000_000n);
      expect(toNanos('2024-01-01T22:04:05-0500', 'UTC', 'ts')).to.equal(1_704_164_645_000_000_000n);
    });

    it('reads a local date-time in the client timezone', () => {
      // 12:00 in Kolkata (UTC+05:30) is 06:30Z.
      expect(toNanos('2024-06-01T12:00:00', 'Asia/Kolkata', 'ts')).to.equal(BigInt(Date.UTC(2024, 5, 1, 6, 30)) * NS);
      // Summer time in Paris (UTC+2), winter (UTC+1).
      expect(toNanos('2024-07-01 12:00:00.000000001', 'Europe/Paris', 'ts')).to.equal(
        BigInt(Date.UTC(2024, 6, 1, 10)) * NS + 1n
      );
      expect(toNanos('2024-01-01T12:00', 'Europe/Paris', 'ts')).to.equal(BigInt(Date.UTC(2024, 0, 1, 11)) * NS);
      expect(toNanos('2024-01-01T12:00', 'UTC', 'ts')).to.equal(BigInt(Date.UTC(2024, 0, 1, 12)) * NS);
    });

    it('resolves clock changes like Temporal "compatible": earlier of a repeated time, forward across a gap', () => {
      // New York 2024-11-03 01:30 happens twice (EDT then EST): the earlier is 05:30Z.
      expect(zonedWallTimeToUtcMillis('America/New_York', Date.UTC(2024, 10, 3, 1, 30))).to.equal(
        Date.UTC(2024, 10, 3, 5, 30)
      );
      // New York 2024-03-10 02:30 does not exist: moved forward to 03:30 EDT = 07:30Z.
      expect(zonedWallTimeToUtcMillis('America/New_York', Date.UTC(2024, 2, 10, 2, 30))).to.equal(
        Date.UTC(2024, 2, 10, 7, 30)
      );
    });

    for (const [input, fragment] of [
      ['yesterday', 'cannot read timestamp'],
      ['2024-02-30T00:00:00Z', 'out of range'],
      ['2024-01-01T25:00:00Z', 'out of range'],
      ['2024-01-01T24:00:00Z', 'out of range'],
      ['2024-01-01T00:00:00.1234567891Z', 'cannot read timestamp'],
      ['1.5e18', 'cannot read timestamp'],
    ] as const) {
      it(`refuses ${JSON.stringify(input)} naming the field`, () => {
        expect(() => toNanos(input, 'UTC', 'entries[2].timestamp'))
          .to.throw(RangeError, `entries[2].timestamp: `)
          .and.match(new RegExp(fragment));
      });
    }

    it('refuses numbers, which cannot hold nanoseconds exactly', () => {
      expect(() => toNanos(1645123456000000000 as unknown as string, 'UTC', 'ts')).to.throw(
        TypeError,
        /ts: a number cannot hold/
      );
    });

    it('refuses an invalid Date and other types', () => {
      expect(() => toNanos(new Date(NaN), 'UTC', 'ts')).to.throw(RangeError, 'ts: invalid Date');
      expect(() => toNanos({} as unknown as string, 'UTC', 'ts')).to.throw(
        TypeError,
        'ts: expected a string, bigint or Date'
      );
    });
  });

  describe('validateTimezone', () => {
    it('accepts IANA names and refuses unknown ones', () => {
      expect(validateTimezone('Europe/Paris')).to.equal('Europe/Paris');
      expect(() => validateTimezone('Mars/Olympus')).to.throw(RangeError, 'timezone: unknown time zone "Mars/Olympus"');
      expect(() => validateTimezone('')).to.throw(TypeError, 'timezone');
    });

    it('knows UTC (the default) without Intl: no time zone data loaded (~4.6 MB of the runtime made resident)', () => {
      const spy = sinon.spy(Intl, 'DateTimeFormat');
      try {
        expect(validateTimezone('UTC')).to.equal('UTC');
        expect(toNanos('2024-03-31T02:30:00', 'UTC', 'ts')).to.equal(BigInt(Date.UTC(2024, 2, 31, 2, 30)) * NS);
        expect(spy.callCount).to.equal(0);
        expect(validateTimezone('Pacific/Chatham')).to.equal('Pacific/Chatham');
        expect(spy.callCount).to.equal(1);
      } finally {
        spy.restore();
      }
    });
  });

  describe('nowNanos', () => {
    it('is strictly increasing over many calls in the same millisecond', () => {
      const values = Array.from({ length: 10_000 }, () => nowNanos());
      for (let i = 1; i < values.length; i++) expect(values[i] > values[i - 1]).to.equal(true);
    });

    it('has sub-millisecond resolution and follows the wall clock', () => {
      const values = Array.from({ length: 1000 }, () => nowNanos());
      expect(values.some((v) => v % NS !== 0n)).to.equal(true);
      const wall = BigInt(Date.now()) * NS;
      const diff = values[values.length - 1] - wall;
      expect(diff < 5n * NS && diff > -5n * NS).to.equal(true);
    });
  });
});
