/** Shutdown hooks of the register entry, on a stand-in process (real signals: root test/register.test.ts). */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import * as sinon from 'sinon';
import { installShutdownHooks } from '../../src/register/register-shutdown';
import type { SignalTarget } from '../../src/register/register-shutdown';

const BOUND_MILLIS = 5_000;

/** An EventEmitter with the slice of `process` the hooks use; `kill` is recorded. */
function fakeProcess(): SignalTarget & EventEmitter & { kill: sinon.SinonSpy } {
  const emitter = new EventEmitter() as SignalTarget & EventEmitter & { kill: sinon.SinonSpy };
  Object.assign(emitter, { pid: 4242, kill: sinon.spy() });
  return emitter;
}

describe('register entry: shutdown hooks', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('SIGTERM with no other listener: shuts down, then raises the signal again without the hook', async () => {
    const target = fakeProcess();
    const shutdown = sinon.stub().resolves();
    installShutdownHooks(shutdown, target, BOUND_MILLIS);

    target.emit('SIGTERM', 'SIGTERM');
    await clock.tickAsync(0);

    expect(shutdown.callCount).to.equal(1);
    expect(target.kill.calledOnceWithExactly(4242, 'SIGTERM')).to.equal(true);
    expect(target.listenerCount('SIGTERM')).to.equal(0);
    expect(target.listenerCount('beforeExit')).to.equal(0);
  });

  it("SIGINT with the app's own listener: shuts down alongside it and leaves the exit to the app", async () => {
    const target = fakeProcess();
    const appHandler = sinon.spy();
    const shutdown = sinon.stub().resolves();
    installShutdownHooks(shutdown, target, BOUND_MILLIS);
    target.on('SIGINT', appHandler);

    target.emit('SIGINT', 'SIGINT');
    await clock.tickAsync(0);

    expect(appHandler.callCount).to.equal(1);
    expect(shutdown.callCount).to.equal(1);
    expect(target.kill.callCount).to.equal(0);
  });

  it('a shutdown that never ends is given up after the bound, and the signal is raised', async () => {
    const target = fakeProcess();
    installShutdownHooks(() => new Promise<void>(() => {}), target, BOUND_MILLIS);

    target.emit('SIGTERM', 'SIGTERM');
    await clock.tickAsync(BOUND_MILLIS - 1);
    expect(target.kill.callCount).to.equal(0);
    await clock.tickAsync(1);

    expect(target.kill.calledOnceWithExactly(4242, 'SIGTERM')).to.equal(true);
  });

  it('a second signal while shutting down ends the process at once', async () => {
    const target = fakeProcess();
    installShutdownHooks(() => new Promise<void>(() => {}), target, BOUND_MILLIS);

    target.emit('SIGINT', 'SIGINT');
    await clock.tickAsync(10);
    target.emit('SIGINT', 'SIGINT');

    expect(target.kill.calledOnceWithExactly(4242, 'SIGINT')).to.equal(true);
  });

  it('beforeExit shuts down once; a rejected or throwing shutdown is contained', async () => {
    const target = fakeProcess();
    const shutdown = sinon.stub().rejects(new Error('exporter failed'));
    installShutdownHooks(shutdown, target, BOUND_MILLIS);

    target.emit('beforeExit', 0);
    target.emit('beforeExit', 0);
    await clock.tickAsync(0);

    expect(shutdown.callCount).to.equal(1);
    expect(target.kill.callCount).to.equal(0);
  });
});
