/**
 * A log record processor for Cloudflare Workers and edge runtimes: it keeps records until
 * `forceFlush()` and then exports them from the caller, with no timer. The SDK's
 * `BatchLogRecordProcessor` exports on a timer and, while one flush runs, answers a second
 * `forceFlush()` at once and leaves its records to a timer set by the first: in a Worker that
 * timer belongs to another request, which may be over (its I/O is then refused: "Cannot
 * perform I/O on behalf of a different request"), so records are sent late or not at all.
 * Here every flush sends what is held when it is called, from the request that calls it
 * (`flushAfterResponse(ctx, provider)` at the end of each request).
 */
import type { Context } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { logger } from '../observability/diagnostics';

/** Records held until the next flush, at most; later ones are dropped (counted, see `dropped`). */
export const DEFAULT_MAX_HELD_RECORDS = 2_048;
/** Records per `export()` call. */
export const DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;

/** Options of {@link RequestScopedLogRecordProcessor}. */
export interface RequestScopedProcessorOptions {
  /** Where the records go: a `LokiLogRecordExporter`. */
  exporter: LogRecordExporter;
  /** Records held until the next flush, at most; later ones are dropped. @default 2048 */
  maxHeldRecords?: number;
  /** Records per `export()` call. @default 512 */
  maxExportBatchSize?: number;
}

/** Holds records until `forceFlush()`, then exports them in batches from the caller. No timers. */
export class RequestScopedLogRecordProcessor implements LogRecordProcessor {
  private readonly _exporter: LogRecordExporter;
  private readonly _maxHeld: number;
  private readonly _batchSize: number;
  private _held: ReadableLogRecord[] = [];
  private _dropped = 0;
  private _shutdown = false;

  /** @throws {TypeError|RangeError} naming the option when an option is invalid. */
  constructor(options: RequestScopedProcessorOptions) {
    if (options === null || typeof options !== 'object' || typeof options.exporter?.export !== 'function') {
      throw new TypeError('exporter: expected a LogRecordExporter, such as a LokiLogRecordExporter');
    }
    this._exporter = options.exporter;
    this._maxHeld = positiveInteger(options.maxHeldRecords, 'maxHeldRecords', DEFAULT_MAX_HELD_RECORDS);
    this._batchSize = positiveInteger(options.maxExportBatchSize, 'maxExportBatchSize', DEFAULT_MAX_EXPORT_BATCH_SIZE);
  }

  /** Records dropped because {@link RequestScopedProcessorOptions.maxHeldRecords} were held. */
  get dropped(): number {
    return this._dropped;
  }

  onEmit(logRecord: ReadableLogRecord, _context?: Context): void {
    if (this._shutdown) return;
    if (this._held.length >= this._maxHeld) {
      if (this._dropped++ === 0) {
        logger.warn(
          `RequestScopedLogRecordProcessor: more than ${this._maxHeld} records held; call forceFlush() per request`
        );
      }
      return;
    }
    this._held.push(logRecord);
  }

  /** Exports what is held now, in batches, one after the other; never rejects (failures go to `diag`). */
  async forceFlush(): Promise<void> {
    const records = this._held;
    this._held = [];
    for (let start = 0; start < records.length; start += this._batchSize) {
      const batch = records.slice(start, start + this._batchSize);
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        this._exporter.export(batch, resolve)
      );
      if (result.code !== 0) logger.debug('RequestScopedLogRecordProcessor: an export failed', result.error);
    }
  }

  /** Flushes what is held, then shuts the exporter down. Later records are ignored. */
  async shutdown(): Promise<void> {
    if (this._shutdown) return;
    await this.forceFlush();
    this._shutdown = true;
    await this._exporter.shutdown();
  }
}

function positiveInteger(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${field}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}
