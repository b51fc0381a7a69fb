/**
 * Loki's refusals (400, 401, 413...) are counted in `entriesRefused` and logged as an error the
 * first time for each status (or reason), then at debug level: a service whose every push is
 * refused gets one line, not one per push.
 */
import { LokiPushError } from '@otel-loki/push';
import type { Diagnostics } from '../observability/diagnostics';
import { logger } from '../observability/diagnostics';

export class RefusalReporter {
  private readonly _reported = new Set<number | string>();

  constructor(private readonly _diagnostics: Diagnostics) {}

  /** Counts and reports that `entries` entries were refused for good with `error`. */
  refused(error: Error, entries: number): void {
    this._diagnostics.count('entriesRefused', entries);
    const key = error instanceof LokiPushError ? (error.status ?? error.reason) : error.name;
    const message = `Loki refused ${entries} entries, which are dropped (not retried): ${error.message}`;
    if (this._reported.has(key)) {
      logger.debug(message);
      return;
    }
    this._reported.add(key);
    logger.error(`${message}; further refusals with this status are counted in exporter.stats.entriesRefused`);
  }
}
