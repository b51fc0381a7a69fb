/**
 * Sends the retry buffer to Loki: the oldest data first, a bounded number of pushes at once,
 * one attempt per push; after a retryable failure the undelivered streams go back in front,
 * and the sender pauses (backoff, or the proxy's `Retry-After`) on an unref'd timer, then
 * sends one push at a time until the backlog is gone, so that each stream stays in order
 * (Loki refuses an entry more than an hour behind its stream's newest).
 *
 * Re-sending is safe: Loki skips an entry whose timestamp, line and metadata equal a stored
 * one, so a push that was stored although its answer was lost (timeout, reset) costs nothing.
 */
import type { PushStream } from '@otel-loki/push';
import type { Diagnostics } from '../observability/diagnostics';
import { logger } from '../observability/diagnostics';
import type { PushClient } from '../internal-types';
import { DELIVERED_ATTEMPT, failedAttempt, singleAttemptOptions } from './push-attempt';
import type { PushAttemptOutcome } from './push-attempt';
import { expireEntries, makeChunk, releaseEntries, RetryBuffer, settleChunk } from './retry-buffer';
import type { BufferedChunk, ChunkOutcome } from './retry-buffer';
import { RefusalReporter } from './refusal-reporter';
import { withTracingSuppressed } from './suppress-tracing';
import { backoffMillis, DEFAULT_INITIAL_BACKOFF_MILLIS, DEFAULT_MAX_BACKOFF_MILLIS } from '@otel-loki/push/internal';

/**
 * First pause after a retryable failure; doubles per consecutive failure, upper half random
 * (push's `backoffMillis`, so that many processes do not retry in step).
 */
export const INITIAL_RETRY_DELAY_MILLIS = DEFAULT_INITIAL_BACKOFF_MILLIS;
/** Longest pause between attempts while Loki keeps failing. */
export const MAX_RETRY_DELAY_MILLIS = DEFAULT_MAX_BACKOFF_MILLIS;
/** Longest `Retry-After` honoured: a longer one would fill the buffer while waiting. */
export const MAX_RETRY_AFTER_MILLIS = 60_000;

/**
 * Pause before the next attempt after `failures` consecutive retryable failures: Loki's (or a
 * proxy's) `Retry-After` when given (at most {@link MAX_RETRY_AFTER_MILLIS}), else the backoff.
 */
export function retryDelayMillis(failures: number, retryAfterMillis: number | undefined, random: () => number): number {
  if (retryAfterMillis !== undefined) return Math.min(retryAfterMillis, MAX_RETRY_AFTER_MILLIS);
  return backoffMillis(failures, INITIAL_RETRY_DELAY_MILLIS, MAX_RETRY_DELAY_MILLIS, random);
}

/** What the sender needs from the exporter. */
export interface BufferedSenderOptions {
  client: PushClient;
  diagnostics: Diagnostics;
  /** Bound of waiting data (estimated bytes). */
  maxBytes: number;
  /** Bound of one push (estimated bytes); chunks are merged up to it. */
  maxPushBytes: number;
  maxConcurrent: number;
  /** Deadline passed to each push (one attempt, so in practice the request timeout). */
  retryDeadlineMillis: number;
  /** Oldest timestamp Loki accepts now; older buffered entries are dropped before sending. */
  oldestAcceptedNanos: () => bigint;
  signal: AbortSignal;
  random?: () => number;
  /**
   * Releases the exporter's own entries once the sender is done with them (delivered, or not
   * to be sent again: `LokiEntry.release`), so that the mapping reuses their buffers. Only when
   * the sender is the last to hold them: not the spool's fallback, whose entries the spool may
   * still hold; never entries of a refused push, which the export's error hands to the user.
   */
  releaseDelivered?: boolean;
}

/**
 * Where the sender is in its life; one state at a time, changed only as listed:
 *
 * - `sending`: Loki answers; up to `maxConcurrent` pushes at once. A retryable failure →
 *   `paused`.
 * - `paused`: nothing is sent until `timer` fires (backoff or `Retry-After`), or `flush()` /
 *   `close()` cut it short → `recovering`. Another retryable failure (of a push still in
 *   flight) → `paused` again, with a new timer.
 * - `recovering`: one push at a time, so that each stream stays in order, until nothing is
 *   waiting or in flight → `sending`. A retryable failure → `paused`.
 * - `closed`: after `close()` or `takeAll()` (the flush at exit), from any state: nothing is
 *   sent, new data is dropped. Final.
 *
 * `failures` counts consecutive retryable failures (0 again once a push succeeds) and sets
 * the backoff. The pause timer is unref'd: while `close()` waits, its own timer keeps the
 * process alive.
 */
type SenderState =
  | { readonly kind: 'sending' }
  | { readonly kind: 'paused'; readonly failures: number; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'recovering'; readonly failures: number }
  | { readonly kind: 'closed' };

const SENDING: SenderState = { kind: 'sending' };
const CLOSED: SenderState = { kind: 'closed' };
const DELIVERED: ChunkOutcome = { kind: 'delivered' };
const RETAINED: ChunkOutcome = { kind: 'retained' };

/** Drives a {@link RetryBuffer}. */
export class BufferedSender {
  private readonly _buffer: RetryBuffer;
  private readonly _inFlight = new Set<BufferedChunk[]>();
  private _state: SenderState = SENDING;
  /** Resolved when the sender becomes idle or a push fails retryably. */
  private _waiters: Array<() => void> = [];
  private readonly _refusals: RefusalReporter;

  constructor(private readonly _options: BufferedSenderOptions) {
    this._buffer = new RetryBuffer(_options.maxBytes);
    this._refusals = new RefusalReporter(_options.diagnostics);
  }

  /** Nothing waiting, nothing in flight, no pause: new data is sent at once. */
  get isIdle(): boolean {
    return this._buffer.isEmpty && this._inFlight.size === 0 && this._state.kind !== 'paused';
  }

  /** True while Loki has failed and not yet succeeded since. */
  get isFailing(): boolean {
    const state = this._state;
    return (state.kind === 'paused' || state.kind === 'recovering') && state.failures > 0;
  }

  /** Entries and estimated bytes held: waiting and in flight. */
  get held(): { entries: number; bytes: number } {
    let entries = this._buffer.entries;
    let bytes = this._buffer.bytes;
    for (const group of this._inFlight) {
      for (const chunk of group) {
        entries += chunk.entries;
        bytes += chunk.bytes;
      }
    }
    return { entries, bytes };
  }

  /**
   * Buffers the streams of one tenant and sends them when their turn comes. With `settle`,
   * it is told the first outcome: delivered, retained (retryable failure), refused, dropped.
   */
  submit(tenant: string | undefined, streams: PushStream[], settle?: (outcome: ChunkOutcome) => void): void {
    const chunk = makeChunk(tenant, streams, settle);
    if (this._state.kind === 'closed') {
      this._drop([chunk], 'droppedAtShutdown');
      return;
    }
    this._drop(this._buffer.append(chunk), 'droppedBufferFull');
    this._pump();
  }

  /**
   * Sends now what is buffered (cutting a pause short). Resolves when the sender is idle, or
   * when a push fails retryably (the data stays buffered); at once when Loki was already
   * failing, so that a flush during an outage never waits for it.
   */
  flush(): Promise<void> {
    const failing = this.isFailing;
    this._wake();
    if (this.isIdle || failing) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push(resolve));
  }

  /**
   * Tries to deliver everything within `timeoutMillis`, retrying with backoff; then aborts
   * the pushes in flight (through the signal, which the caller owns) and drops what is left,
   * counted in `droppedAtShutdown` with a warning. Returns whether everything was delivered.
   */
  async close(timeoutMillis: number, abort: () => void): Promise<boolean> {
    let timedOut = false;
    // Not unref'd: an app awaiting shutdown() must not exit while it retries (it is bounded).
    const timer = setTimeout(() => {
      timedOut = true;
      this._release();
    }, timeoutMillis);
    this._wake();
    // Bounded by the timer: each pass ends on idleness, a failure (then the pause runs), or it.
    while (!this.isIdle && !timedOut) await new Promise<void>((resolve) => this._waiters.push(resolve));
    clearTimeout(timer);
    const delivered = this.isIdle;
    this._clearPause();
    this._state = CLOSED;
    if (!delivered) {
      abort();
      const left = [...this._inFlight].flat();
      this._inFlight.clear();
      this._drop([...left, ...this._buffer.clear()], 'droppedAtShutdown');
    }
    this._release();
    return delivered;
  }

  /**
   * Everything held, oldest first (the pushes in flight, then what waits), for a synchronous
   * send at process exit. The sender stops: what it still had in flight is no longer its own.
   */
  takeAll(): BufferedChunk[] {
    this._clearPause();
    this._state = CLOSED;
    const held = [...[...this._inFlight].flat(), ...this._buffer.clear()];
    this._inFlight.clear();
    return held;
  }

  private _wake(): void {
    this._clearPause();
    this._pump();
  }

  /** `paused` → `recovering` before its timer fires. */
  private _clearPause(): void {
    const state = this._state;
    if (state.kind !== 'paused') return;
    clearTimeout(state.timer);
    this._state = { kind: 'recovering', failures: state.failures };
  }

  private _pump(): void {
    const kind = this._state.kind;
    if (kind === 'closed' || kind === 'paused') return;
    const limit = kind === 'recovering' ? 1 : this._options.maxConcurrent;
    // Bounded: each pass moves one group from the buffer to the set in flight.
    while (this._inFlight.size < limit) {
      const group = this._buffer.take(this._options.maxPushBytes);
      if (group === undefined) break;
      void this._send(group);
    }
    if (this._buffer.isEmpty && this._inFlight.size === 0) {
      if (kind === 'recovering') this._state = SENDING;
      this._release();
    }
  }

  private _release(): void {
    const waiters = this._waiters;
    this._waiters = [];
    for (const resolve of waiters) resolve();
  }

  private async _send(group: BufferedChunk[]): Promise<void> {
    const oldest = this._options.oldestAcceptedNanos();
    const live: BufferedChunk[] = [];
    for (const chunk of group) {
      const expired = expireEntries(chunk, oldest);
      if (expired > 0) this._options.diagnostics.countAndWarnOnce('droppedTooOld', expired);
      if (chunk.entries > 0) live.push(chunk);
      else settleChunk(chunk, { kind: 'dropped' });
    }
    if (live.length === 0) return this._pump();
    this._inFlight.add(live);
    const streams = live.length === 1 ? live[0].streams : live.flatMap((c) => c.streams);
    const tenant = live[0].tenant;
    let entries = 0;
    for (const chunk of live) entries += chunk.entries;
    const options = singleAttemptOptions(tenant, this._options);
    let attempt = DELIVERED_ATTEMPT;
    try {
      await withTracingSuppressed(() => this._options.client.push(streams, options));
    } catch (err) {
      attempt = failedAttempt(err, entries);
    }
    // After close() a push still in flight was already counted as dropped.
    if (!this._inFlight.delete(live)) return;
    const outcome = this._onAttempt(attempt, tenant);
    this._options.diagnostics.count('entries', entries - attempt.failed);
    for (const chunk of live) settleChunk(chunk, outcome);
    if (this._options.releaseDelivered === true) {
      // Delivered, or sent again later (what a retryable failure left undelivered is requeued).
      if (attempt.kind === 'delivered') releaseEntries(live);
      else if (attempt.kind === 'retryable') releaseEntries(live, attempt.error.failedStreams);
    }
    this._pump();
    if (outcome.kind === 'retained') this._release();
  }

  /** What a push's outcome means for its chunks; requeues what a retryable failure left undelivered. */
  private _onAttempt(attempt: PushAttemptOutcome, tenant: string | undefined): ChunkOutcome {
    switch (attempt.kind) {
      case 'delivered':
        this._succeeded();
        return DELIVERED;
      case 'retryable': {
        const { error, failed } = attempt;
        this._options.diagnostics.count('pushRetries');
        logger.debug(
          `push to tenant ${tenant ?? '(none)'} failed, ${failed} entries kept for a retry: ${error.message}`
        );
        if (failed > 0)
          this._drop(this._buffer.requeue(makeChunk(tenant, [...error.failedStreams])), 'droppedBufferFull');
        this._pauseFor(error.retryAfterMillis);
        return RETAINED;
      }
      case 'refused':
        this._refusals.refused(attempt.error, attempt.failed);
        return { kind: 'refused', error: attempt.error };
    }
  }

  /** A push succeeded: the count of consecutive failures starts again. */
  private _succeeded(): void {
    const state = this._state;
    if (state.kind === 'paused') this._state = { kind: 'paused', failures: 0, timer: state.timer };
    else if (state.kind === 'recovering') this._state = { kind: 'recovering', failures: 0 };
  }

  /** Any state but `closed` → `paused`, for the backoff of one more failure or `Retry-After`. */
  private _pauseFor(retryAfterMillis: number | undefined): void {
    const state = this._state;
    if (state.kind === 'closed') return;
    if (state.kind === 'paused') clearTimeout(state.timer);
    const failures = (state.kind === 'sending' ? 0 : state.failures) + 1;
    const delay = retryDelayMillis(failures, retryAfterMillis, this._options.random ?? Math.random);
    const timer = setTimeout(() => {
      this._clearPause();
      this._pump();
    }, delay);
    timer.unref?.();
    this._state = { kind: 'paused', failures, timer };
  }

  private _drop(chunks: readonly BufferedChunk[], kind: 'droppedBufferFull' | 'droppedAtShutdown'): void {
    let entries = 0;
    for (const chunk of chunks) {
      entries += chunk.entries;
      settleChunk(chunk, { kind: 'dropped' });
    }
    if (entries > 0) this._options.diagnostics.countAndWarnOnce(kind, entries);
  }
}
