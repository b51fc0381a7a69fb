/**
 * Crash capture: when the process ends without an orderly shutdown (an uncaught exception, an
 * unhandled rejection in Node's default `throw` mode, `process.exit(n)` from anywhere), what
 * is still pending is sent **synchronously** from the `'exit'` event, the last point where
 * code runs, within a bound.
 *
 * Nothing here changes how the app dies: no `uncaughtException` listener is added (that would
 * keep a crashing process alive), only `uncaughtExceptionMonitor` (to say why, at debug
 * level) and `'exit'`; the app's handlers run as before, the exit code and stderr are Node's.
 * A failure inside the flush is swallowed (a throw from an `'exit'` listener would turn exit
 * code 1 into 7 and print a second error), and it runs once.
 */
import { logger } from '../observability/diagnostics';

/** The slice of `process` used, so that tests can pass a stand-in. */
export interface ExitTarget {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
}

/** Longest time the exit flush blocks the dying process, in ms, unless configured. */
export const DEFAULT_EXIT_TIMEOUT_MILLIS = 2_000;

/**
 * Installs the hooks; `flush` must be synchronous and bounded, and is called at most once,
 * from `'exit'`. Returns a function that removes them (after an orderly shutdown nothing is
 * left to flush).
 */
export function installCrashCapture(flush: () => void, target: ExitTarget = process): () => void {
  let done = false;
  const run = (why: string): void => {
    if (done) return;
    done = true;
    try {
      logger.debug(`${why}: flushing`);
      flush();
    } catch {
      // Never change how the process ends.
    }
  };
  // With no `uncaughtException` listener the process dies right after the monitor: flush now.
  // Node would still emit 'exit'; Deno does not after an uncaught exception or rejection.
  // With a listener (the app's own handler, winston's), the app may log more and decide: wait
  // for 'exit'.
  const onMonitor = (_error: unknown, from: unknown): void => {
    if (target.listenerCount('uncaughtException') === 0) run(`process dying (${String(from)})`);
  };
  const onExit = (code: unknown): void => run(`process exiting (code ${String(code)})`);
  target.on('uncaughtExceptionMonitor', onMonitor);
  target.on('exit', onExit);
  return () => {
    done = true;
    target.off('uncaughtExceptionMonitor', onMonitor);
    target.off('exit', onExit);
  };
}
