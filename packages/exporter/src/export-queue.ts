/**
 * Bounded concurrency of exports: at most `maxRunning` run at once, at most `maxQueued`
 * wait; beyond that a task is refused at once (the caller answers FAILED), so memory stays
 * bounded when Loki is slow or down.
 */

/** Runs tasks with bounded concurrency and a bounded waiting line. */
export class ExportQueue {
  private _running = 0;
  private readonly _waiting: Array<() => void> = [];
  private readonly _inFlight = new Set<Promise<void>>();

  constructor(
    private readonly _maxRunning: number,
    private readonly _maxQueued: number
  ) {}

  /**
   * Schedules `task`. Returns `false`, without running it, when the line is full. The task
   * must not reject (exports report through their callback).
   */
  offer(task: () => Promise<void>): boolean {
    if (this._running >= this._maxRunning && this._waiting.length >= this._maxQueued) return false;
    const done = new Promise<void>((resolve) => {
      const start = (): void => {
        this._running++;
        task()
          .catch(() => undefined)
          .finally(() => {
            this._running--;
            this._inFlight.delete(done);
            this._waiting.shift()?.();
            resolve();
          });
      };
      if (this._running < this._maxRunning) start();
      else this._waiting.push(start);
    });
    this._inFlight.add(done);
    return true;
  }

  /** Resolves when every task scheduled before the call has finished (later ones are not waited for). */
  async drain(): Promise<void> {
    await Promise.all([...this._inFlight]);
  }
}
