/**
 * Flushes and shuts the SDK down when the process ends, within a bound, without taking the
 * app's own signal handling away:
 *
 * - `beforeExit` (the event loop ran dry): shut down once; the pending exports keep the loop
 *   alive until they are done or the bound passes.
 * - SIGTERM / SIGINT: when the app has its own listener for the signal, it runs as before and
 *   decides when to exit (Node calls every listener); the SDK is shut down alongside. When the
 *   app has none, the SDK is shut down, then the signal is raised again with our listener
 *   removed, so the process ends the way it would have without us (killed by the signal, exit
 *   status 128 + n). A second signal while shutting down ends the process at once.
 */

import { settleWithin } from './settle-within';

/** The slice of `process` used, so that tests can pass a stand-in. */
export interface SignalTarget {
  readonly pid: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

/** Signals after which the SDK is flushed and shut down. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Longest wait for the SDK's shutdown at exit, in ms: under Kubernetes' default 30 s grace
 * period, and above the exporter's own `shutdownTimeoutMillis` (10 s) so the exporter's bound
 * acts first and counts what it drops.
 */
export const REGISTER_SHUTDOWN_TIMEOUT_MILLIS = 12_000;

/** Installs the hooks; returns a function that removes them. */
export function installShutdownHooks(
  shutdown: () => Promise<void>,
  target: SignalTarget = process,
  timeoutMillis: number = REGISTER_SHUTDOWN_TIMEOUT_MILLIS
): () => void {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= bounded(shutdown, timeoutMillis));

  const onBeforeExit = (): void => void stop();
  const onSignal = (signal: unknown): void => {
    const name = signal as NodeJS.Signals;
    const appHandles = target.listenerCount(name) > 1;
    if (appHandles) {
      void stop();
      return;
    }
    const raise = (): void => {
      uninstall();
      target.kill(target.pid, name);
    };
    if (stopping !== undefined) {
      raise();
      return;
    }
    void stop().then(raise);
  };
  const uninstall = (): void => {
    target.off('beforeExit', onBeforeExit);
    for (const signal of SHUTDOWN_SIGNALS) target.off(signal, onSignal);
  };
  target.once('beforeExit', onBeforeExit);
  for (const signal of SHUTDOWN_SIGNALS) target.on(signal, onSignal);
  return uninstall;
}

/**
 * Runs `shutdown`, settling when it does or after `millis`, never rejecting. The timer keeps
 * the process alive: after a signal the process must live until the re-raise, not end with
 * status 0 because the event loop ran dry first; it is cleared as soon as the shutdown is done.
 */
async function bounded(shutdown: () => Promise<void>, millis: number): Promise<void> {
  // The executor runs shutdown() at once and turns a synchronous throw into a rejection.
  await settleWithin(new Promise<void>((resolve) => resolve(shutdown())), millis, { keepAlive: true });
}
