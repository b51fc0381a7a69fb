/**
 * When written data is fsynced. `interval`: at most `intervalMillis` after the first write
 * since the last fsync (a timer, unref'd). `always`: callers await `syncNow()`, and concurrent
 * callers share the next fsync (group commit). `never`: only what creating files fsyncs.
 */
import type { SpoolFsyncPolicy } from './types';

/** Schedules the spool's fsyncs. */
export class SyncScheduler {
  private _timer: NodeJS.Timeout | undefined;
  private _queued: Promise<void> | undefined;
  private _running: Promise<void> = Promise.resolve();

  /** `syncAll` fsyncs every written file and must not reject. */
  constructor(
    private readonly _policy: SpoolFsyncPolicy,
    private readonly _intervalMillis: number,
    private readonly _syncAll: () => Promise<void>
  ) {}

  /** Something was written: under `interval`, an fsync is due within the interval. */
  written(): void {
    if (this._policy !== 'interval' || this._timer !== undefined) return;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      void this.syncNow();
    }, this._intervalMillis);
    this._timer.unref();
  }

  /** Under `always`, resolves once an fsync that started after this call finished. */
  async afterAppend(): Promise<void> {
    if (this._policy === 'always') await this.syncNow();
  }

  /** An fsync of everything written before this call; shared by concurrent callers. */
  syncNow(): Promise<void> {
    if (this._queued !== undefined) return this._queued;
    const run = this._running.then(() => {
      this._queued = undefined;
      return this._syncAll();
    });
    this._queued = run;
    this._running = run;
    return run;
  }

  stop(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
  }
}
