/**
 * A token bucket with the semantics of Go's `golang.org/x/time/rate.Limiter.AllowN`, which
 * Loki's per-tenant ingestion rate limiter uses: the bucket starts full, a request larger than
 * the burst is always refused, and a refused request takes no tokens.
 */
export class TokenBucket {
  private _tokens: number;
  private _lastMillis: number | undefined;

  constructor(
    /** Tokens (bytes) added per second; `Infinity` allows everything. */
    readonly ratePerSecond: number,
    /** Bucket size in tokens (bytes). */
    readonly burst: number
  ) {
    this._tokens = burst;
  }

  /** Takes `n` tokens at time `nowMillis` if available; returns whether it did. */
  allow(nowMillis: number, n: number): boolean {
    if (this.ratePerSecond === Infinity) return true;
    if (this._lastMillis !== undefined && nowMillis > this._lastMillis) {
      const refill = ((nowMillis - this._lastMillis) / 1000) * this.ratePerSecond;
      this._tokens = Math.min(this.burst, this._tokens + refill);
    }
    if (this._lastMillis === undefined || nowMillis > this._lastMillis) this._lastMillis = nowMillis;
    if (n > this.burst || this._tokens < n) return false;
    this._tokens -= n;
    return true;
  }
}
