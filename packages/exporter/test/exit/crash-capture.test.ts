/** The exit hooks: called once from 'exit', never in the way of how the process ends. */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { installCrashCapture } from '../../src/exit/crash-capture';

describe('crash capture hooks', () => {
  it('flushes once, from exit; adds no uncaughtException listener', () => {
    const target = new EventEmitter();
    const calls: string[] = [];

    installCrashCapture(() => calls.push('flush'), target);
    target.emit('exit', 1);
    target.emit('exit', 1);

    expect(calls).to.deep.equal(['flush']);
    expect(target.listenerCount('uncaughtException')).to.equal(0);
  });

  it('an uncaught exception nobody handles: flushes at the monitor, once (runtimes without a later exit event)', () => {
    const target = new EventEmitter();
    const calls: string[] = [];

    installCrashCapture(() => calls.push('flush'), target);
    target.emit('uncaughtExceptionMonitor', new Error('boom'), 'uncaughtException');
    target.emit('exit', 1);

    expect(calls).to.deep.equal(['flush']);
  });

  it("an app's own uncaughtException handler: waits for exit, so that what the handler logs is sent", () => {
    const target = new EventEmitter();
    const calls: string[] = [];
    target.on('uncaughtException', () => calls.push('app handler logs'));

    installCrashCapture(() => calls.push('flush'), target);
    target.emit('uncaughtExceptionMonitor', new Error('boom'), 'uncaughtException');
    target.emit('uncaughtException', new Error('boom'));
    target.emit('exit', 4);

    expect(calls).to.deep.equal(['app handler logs', 'flush']);
  });

  it('swallows a failure of the flush (an exit listener that throws changes the exit code)', () => {
    const target = new EventEmitter();
    installCrashCapture(() => {
      throw new Error('flush failed');
    }, target);

    expect(() => target.emit('exit', 1)).not.to.throw();
  });

  it('removed after an orderly shutdown: exit flushes nothing', () => {
    const target = new EventEmitter();
    let flushed = 0;
    const uninstall = installCrashCapture(() => flushed++, target);

    uninstall();
    target.emit('exit', 0);

    expect(flushed).to.equal(0);
    expect(target.listenerCount('exit') + target.listenerCount('uncaughtExceptionMonitor')).to.equal(0);
  });
});
