/**
 * What went wrong with the spool and what it cost: the state (`ok`, `degraded` after an
 * environmental failure, `closed`), the drop and corruption counters, and the `onProblem`
 * reports, each kind of occurrence reported once (never a flood, never the console).
 */
import { reasonOf } from './spool-directory';
import type { SpoolProblem, SpoolStats, SpoolUnavailableReason } from './types';

/** The health counters of one spool. */
export class SpoolHealth {
  state: SpoolStats['state'] = 'ok';
  droppedRecords = 0;
  droppedEntries = 0;
  corruptSkipped = 0;
  corruptBytes = 0;
  private _reason: SpoolUnavailableReason = 'io_error';
  private _retryAtMillis = 0;
  private _spoolFullReported = false;

  constructor(
    private readonly _onProblem: ((problem: SpoolProblem) => void) | undefined,
    private readonly _retryAfterMillis: number,
    private readonly _now: () => number
  ) {}

  /** Why appends are refused right now, if they are. */
  refusal(): SpoolUnavailableReason | 'closed' | undefined {
    if (this.state === 'closed') return 'closed';
    return this.state === 'degraded' && this._now() < this._retryAtMillis ? this._reason : undefined;
  }

  /**
   * An environmental failure: reported when the spool was healthy. `refuseAppends`: appends are
   * refused (the caller keeps records in memory) until `retryAfterMillis` has passed.
   */
  degrade(error: unknown, operation: string, refuseAppends = true): SpoolUnavailableReason {
    const reason = reasonOf(error);
    if (refuseAppends) {
      this._reason = reason;
      this._retryAtMillis = this._now() + this._retryAfterMillis;
    }
    if (this.state === 'ok') {
      this.state = 'degraded';
      this.report({ kind: 'degraded', reason, operation, cause: error });
    }
    return reason;
  }

  /** A write worked again. */
  recovered(): void {
    if (this.state !== 'degraded') return;
    this.state = 'ok';
    this.report({ kind: 'recovered' });
  }

  /** Records dropped at `maxBytes` (`spool_full`); reported the first time. */
  dropped(records: number, entries: number): void {
    this.droppedRecords += records;
    this.droppedEntries += entries;
    if (records === 0 || this._spoolFullReported) return;
    this._spoolFullReported = true;
    this.report({ kind: 'spool_full', droppedRecords: records, droppedEntries: entries });
  }

  /** A torn or corrupt region was skipped (the caller reports each region once). */
  corrupt(file: string, offset: number, bytes: number, detail: string): void {
    this.corruptSkipped++;
    this.corruptBytes += bytes;
    this.report({ kind: 'corrupt', file, offset, bytes, detail });
  }

  report(problem: SpoolProblem): void {
    try {
      this._onProblem?.(problem);
    } catch {
      // A reporting callback must not break the spool.
    }
  }
}
