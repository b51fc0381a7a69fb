import { expect } from 'chai';
import { flushAfterResponse } from '../../src/worker/flush-after-response';

describe('flushAfterResponse', () => {
  it('hands ctx.waitUntil one promise that flushes each in order, and never rejects', async () => {
    const order: string[] = [];
    const handed: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => handed.push(promise) };
    const failing = {
      forceFlush: async () => {
        order.push('provider');
        throw new Error('down');
      },
    };
    const exporter = {
      forceFlush: async () => {
        order.push('exporter');
      },
    };

    flushAfterResponse(ctx, failing, exporter);

    expect(handed).to.have.length(1);
    await handed[0]; // resolves although the first flush failed
    expect(order).to.deep.equal(['provider', 'exporter']);
  });

  it('refuses a ctx without waitUntil and a flushable without forceFlush, naming them', () => {
    expect(() => flushAfterResponse({} as never)).to.throw(TypeError, /^ctx:/);
    expect(() => flushAfterResponse({ waitUntil: () => undefined }, {} as never)).to.throw(
      TypeError,
      /^flushables\[0\]:/
    );
  });
});
