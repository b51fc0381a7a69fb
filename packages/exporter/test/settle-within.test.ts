import { expect } from 'chai';
import * as sinon from 'sinon';
import { settleWithin } from '../src/settle-within';

const MILLIS = 1_000;

describe('settleWithin', () => {
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  afterEach(() => clock.restore());

  it('tells the value of a promise that fulfills in time, and clears its timer', async () => {
    const result = await settleWithin(Promise.resolve(42), MILLIS);

    expect(result).to.deep.equal({ status: 'fulfilled', value: 42 });
    expect(clock.countTimers()).to.equal(0);
  });

  it('tells the reason of a promise that rejects in time, without rejecting', async () => {
    const error = new Error('no');

    const result = await settleWithin(Promise.reject(error), MILLIS);

    expect(result).to.deep.equal({ status: 'rejected', reason: error });
  });

  it('times out a promise that does not settle in time', async () => {
    const settled = settleWithin(new Promise(() => {}), MILLIS);

    await clock.tickAsync(MILLIS);

    expect(await settled).to.deep.equal({ status: 'timedOut' });
  });
});

describe('settleWithin timers', () => {
  afterEach(() => sinon.restore());

  it('unrefs its timer unless told to keep the process alive', () => {
    const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');

    void settleWithin(new Promise(() => {}), MILLIS);
    void settleWithin(new Promise(() => {}), MILLIS, { keepAlive: true });

    const [unrefd, kept] = setTimeoutSpy.returnValues as unknown as NodeJS.Timeout[];
    expect(unrefd.hasRef()).to.equal(false);
    expect(kept.hasRef()).to.equal(true);
    clearTimeout(unrefd);
    clearTimeout(kept);
  });
});
