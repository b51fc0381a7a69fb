/**
 * Loki's refusals (400, 401, 413...) are logged as an error the first time for each status,
 * then at debug level: a service whose every push is refused gets one line, not one per push.
 */
import { logger } from '../observability/diagnostics';

export class RefusalReporter {
  private readonly _reported = new Set<number | string>();

  /** Reports that Loki refused `entries` entries for good; `key` is the status (or reason). */
  report(key: number | string, error: Error, entries: number): void {
    const message = `Loki refused ${entries} entries, which are dropped (not retried): ${error.message}`;
    if (this._reported.has(key)) {
      logger.debug(message);
      return;
    }
    this._reported.add(key);
    logger.error(`${message}; further refusals with this status are counted in exporter.stats.entriesRefused`);
  }
}
