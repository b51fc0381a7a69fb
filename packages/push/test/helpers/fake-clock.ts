/** Drives sinon fake timers while real I/O proceeds, until a promise settles. */
import type { SinonFakeTimers } from 'sinon';
import * as timers from 'node:timers';
import { performance } from 'node:perf_hooks';

// Captured at load, before sinon patches globals and node:timers.
const realSetImmediate = timers.setImmediate;
const realSetTimeout = timers.setTimeout;

/** Real-time bound, so a bug cannot hang the suite. */
const MAX_REAL_MILLIS = 10_000;

/**
 * Waits for `promise`, firing the next fake timer whenever the code under test waits on one.
 * Fake only `setTimeout`, `clearTimeout` and `Date` so sockets keep working.
 */
export async function settleWithFakeTimers<T>(clock: SinonFakeTimers, promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  const start = performance.now();
  while (!settled && performance.now() - start < MAX_REAL_MILLIS) {
    await new Promise((resolve) => realSetImmediate(resolve));
    if (settled) break;
    if (clock.countTimers() > 0) await clock.nextAsync();
    else await new Promise((resolve) => realSetTimeout(resolve, 1));
  }
  if (!settled) throw new Error('promise did not settle within the real-time bound');
  return tracked;
}
