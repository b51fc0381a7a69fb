/**
 * The monotonic clock where there is no `process`: `performance.now()`, in nanoseconds. In
 * Cloudflare Workers both clocks stand still while code runs (they move on I/O), so nothing
 * may wait for them to tick. The twin of `../node/clock`.
 */

const NANOS_PER_MILLI = 1e6;

/** Nanoseconds of a monotonic clock (its origin is arbitrary). */
export function monotonicNanos(): bigint {
  return BigInt(Math.floor(performance.now() * NANOS_PER_MILLI));
}

/** Workers freeze the clocks during execution: anchoring must not wait for a tick. */
export const CLOCK_ADVANCES_WHILE_RUNNING = false;
