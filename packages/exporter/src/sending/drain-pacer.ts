/**
 * Paces a backlog drain against Loki's ingestion rate limits (4 MiB/s per tenant with a 6 MiB
 * burst, 3 MiB/s per stream by default, counted on uncompressed lines plus metadata): no limit
 * until Loki answers 429, then half the rate that was being sent when it did, growing again by a
 * quarter per second without a 429 until the limit is gone. Loki sends no `Retry-After` on 429,
 * so backoff alone would send the backlog in bursts that each meet a 429 again.
 */

/** Slowest pace after repeated 429s, in uncompressed bytes per second. */
export const MIN_DRAIN_BYTES_PER_SECOND = 64 * 1024;
/** Above this pace, the pacer stops limiting. */
export const MAX_PACED_BYTES_PER_SECOND = 256 * 1024 * 1024;
/** Growth of the pace per second without a 429. */
const GROWTH_PER_SECOND = 1.25;
/** Window over which the rate being sent is measured. */
const WINDOW_MILLIS = 1_000;

/** An additive-free AIMD pacer: multiplicative decrease on 429, multiplicative increase otherwise. */
export class DrainPacer {
  /** Bytes per second, or `undefined` while unlimited. */
  private _rate: number | undefined;
  private _nextSendMillis = 0;
  private _grownAtMillis = 0;
  private _windowStart = 0;
  private _windowBytes = 0;
  private _lastWindowRate = 0;

  constructor(private readonly _now: () => number = Date.now) {}

  /** Current pace in bytes per second (`Infinity` when not limited). */
  get rate(): number {
    return this._rate ?? Infinity;
  }

  /** How long to wait before sending `bytes` more (0: now); reserves their slot. */
  reserve(bytes: number): number {
    const now = this._now();
    this._measure(now, bytes);
    if (this._rate === undefined) return 0;
    this._grow(now);
    const start = Math.max(now, this._nextSendMillis);
    this._nextSendMillis = start + (bytes / (this._rate ?? Infinity)) * 1000;
    return start - now;
  }

  /** Loki answered 429: halve the pace (or start pacing at half of what was being sent). */
  throttled(): void {
    const now = this._now();
    const sent = Math.max(this._lastWindowRate, this._currentWindowRate(now));
    const base = this._rate ?? (sent > 0 ? sent : MIN_DRAIN_BYTES_PER_SECOND * 2);
    this._rate = Math.max(MIN_DRAIN_BYTES_PER_SECOND, base / 2);
    this._grownAtMillis = now;
  }

  private _grow(now: number): void {
    const elapsed = now - this._grownAtMillis;
    if (this._rate === undefined || elapsed < WINDOW_MILLIS) return;
    this._rate *= GROWTH_PER_SECOND ** Math.floor(elapsed / WINDOW_MILLIS);
    this._grownAtMillis = now;
    if (this._rate > MAX_PACED_BYTES_PER_SECOND) this._rate = undefined;
  }

  private _measure(now: number, bytes: number): void {
    if (now - this._windowStart >= WINDOW_MILLIS) {
      this._lastWindowRate = this._currentWindowRate(now);
      this._windowStart = now;
      this._windowBytes = 0;
    }
    this._windowBytes += bytes;
  }

  private _currentWindowRate(now: number): number {
    const elapsed = Math.max(1, now - this._windowStart);
    return (this._windowBytes * 1000) / Math.max(elapsed, 100);
  }
}
