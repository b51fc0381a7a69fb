import { expect } from 'chai';
import {
  compareTime,
  entryHrTime,
  hrTimeToDecimal,
  isTimeSet,
  splitHrTime,
  timeToDecimal,
} from '../../src/mapping/timestamps';

const T0: [number, number] = [1_767_323_045, 123_456_789];

describe('timestamps', () => {
  it('splitHrTime keeps a normalized HrTime and carries nanoseconds out of range, exactly', () => {
    expect(splitHrTime(T0)).to.deep.equal(T0);
    expect(splitHrTime([10, 1_500_000_000])).to.deep.equal([11, 500_000_000]);
    expect(splitHrTime([10, -1])).to.deep.equal([9, 999_999_999]);
    expect(splitHrTime([0, -1])).to.deep.equal([-1, 999_999_999]);
    expect(splitHrTime([1.9, 2.7])).to.deep.equal([1, 2]);
    expect(splitHrTime([0, 2 ** 60])).to.deep.equal([1_152_921_504, 606_846_976]);
  });

  it('splitHrTime answers NaN for an HrTime that holds no time', () => {
    expect(splitHrTime([10, Number.NaN])).to.deep.equal([Number.NaN, Number.NaN]);
    expect(splitHrTime([Infinity, 1e12])).to.deep.equal([Number.NaN, Number.NaN]);
  });

  it('timeToDecimal and hrTimeToDecimal write nanoseconds as Loki does, before the epoch too', () => {
    expect(timeToDecimal(T0[0], T0[1])).to.equal('1767323045123456789');
    expect(timeToDecimal(0, 5)).to.equal('5');
    expect(timeToDecimal(-1, 999_999_999)).to.equal('-1');
    expect(hrTimeToDecimal([T0[0], T0[1] + 1_000_000_000])).to.equal('1767323046123456789');
  });

  it('compareTime orders (seconds, nanos)', () => {
    expect(compareTime(1, 5, 1, 6)).to.equal(-1);
    expect(compareTime(2, 0, 1, 999_999_999)).to.equal(1);
    expect(compareTime(1, 5, 1, 5)).to.equal(0);
  });

  it("entryHrTime is Loki's choice: the record time, else the observed time, else none", () => {
    const observed: [number, number] = [T0[0] + 1, 0];

    expect(entryHrTime({ hrTime: T0, hrTimeObserved: observed })).to.equal(T0);
    expect(entryHrTime({ hrTime: [0, 0], hrTimeObserved: observed })).to.equal(observed);
    expect(entryHrTime({ hrTime: [Number.NaN, 0], hrTimeObserved: [0, 0] })).to.equal(undefined);
    expect(isTimeSet([0, 1])).to.equal(true);
  });
});
