/**
 * The monotonic clock on Node (and Bun, Deno): `process.hrtime.bigint()`, nanoseconds. The
 * package's `imports` field maps `#platform/clock` here by default and to `../web/clock`
 * under the web conditions.
 */

/** Nanoseconds of a monotonic clock (its origin is arbitrary). */
export function monotonicNanos(): bigint {
  return process.hrtime.bigint();
}

/** The wall clock ticks while code runs: anchoring may wait for the next millisecond. */
export const CLOCK_ADVANCES_WHILE_RUNNING = true;
