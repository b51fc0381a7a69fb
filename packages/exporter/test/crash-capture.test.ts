/** The exit hooks: called once from 'exit', never in the way of how the process ends. */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { installCrashCapture } from '../src/crash-capture';

describe('crash capture hooks', () => {
  it('flushes once, from exit, with the bound; adds no uncaughtException listener', () => {
    const target = new EventEmitter();
    const calls: number[] = [];

    installCrashCapture((millis) => calls.push(millis), 1234, target);
    target.emit('uncaughtExceptionMonitor', new Error('boom'), 'uncaughtException');
    target.emit('exit', 1);
    target.emit('exit', 1);

    expect(calls).to.deep.equal([1234]);
    expect(target.listenerCount('uncaughtException')).to.equal(0);
  });

  it('swallows a failure of the flush (an exit listener that throws changes the exit code)', () => {
    const target = new EventEmitter();
    installCrashCapture(
      () => {
        throw new Error('flush failed');
      },
      10,
      target
    );

    expect(() => target.emit('exit', 1)).not.to.throw();
  });

  it('removed after an orderly shutdown: exit flushes nothing', () => {
    const target = new EventEmitter();
    let flushed = 0;
    const uninstall = installCrashCapture(() => flushed++, 10, target);

    uninstall();
    target.emit('exit', 0);

    expect(flushed).to.equal(0);
    expect(target.listenerCount('exit') + target.listenerCount('uncaughtExceptionMonitor')).to.equal(0);
  });
});
