/**
 * A log record processor that loses nothing when the process dies: it wraps the SDK's own
 * `BatchLogRecordProcessor` (its batching, queue bound, `OTEL_BLRP_*` settings and metrics
 * stay the SDK's) and remembers which emitted records the batch processor has not yet handed
 * to the exporter, so that at exit they can be exported synchronously with whatever the
 * exporter itself still holds.
 *
 * It sees every record twice: on emit (it forwards it to the batch processor) and when the
 * batch processor exports it (through an exporter wrapper it gives the batch processor). It
 * follows the batch processor's queue bound the way the batch processor applies it: a record
 * emitted while `maxQueueSize` records wait is dropped there (and counted there), so it is
 * not remembered here either. Records wait in emit order and are handed over in that order,
 * so what is remembered is a short queue, pruned from the front as batches go out.
 *
 * One approximation: between taking a batch from its queue and calling the exporter (while
 * it waits for asynchronous resource attributes), the batch processor already counts the batch
 * out and this processor still counts it in; a record emitted in that moment with the queue
 * full is accepted there and not remembered here. That can only happen while records are
 * being dropped for a full queue anyway.
 */
import type { Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { installCrashCapture } from './crash-capture';
import type { ExitTarget } from './crash-capture';

/** `BatchLogRecordProcessor`'s default `maxQueueSize`. */
const DEFAULT_MAX_QUEUE_SIZE = 2048;

/** An exporter that can deliver synchronously at exit (`LokiLogRecordExporter`). */
export interface ExitFlushable extends LogRecordExporter {
  /**
   * Maps `records` (not yet exported) and sends them with everything pending in the exporter,
   * synchronously, within `timeoutMillis` (else the exporter's own bound); never throws.
   */
  flushSync(records: readonly ReadableLogRecord[], timeoutMillis?: number): void;
}

/** Options of {@link ExitSafeLogRecordProcessor}. */
export interface ExitSafeProcessorOptions {
  /** The exporter, which the batch processor will reach through a wrapper. */
  exporter: ExitFlushable;
  /**
   * Builds the batch processor around the exporter it is given, e.g.
   * `(exporter) => new BatchLogRecordProcessor(exporter)` (0.2xx) or
   * `(exporter) => new BatchLogRecordProcessor({ exporter })` (3.x).
   */
  createProcessor: (exporter: LogRecordExporter) => LogRecordProcessor;
  /** The batch processor's `maxQueueSize`, when not the default 2048. */
  maxQueueSize?: number;
  /** Longest time the exit flush blocks the dying process, in ms. @default the exporter's `exitTimeoutMillis` */
  exitTimeoutMillis?: number;
  /** The process (tests pass a stand-in). */
  target?: ExitTarget;
}

/** See the module comment. Installs its exit hook on construction; `shutdown()` removes it. */
export class ExitSafeLogRecordProcessor implements LogRecordProcessor {
  private readonly _inner: LogRecordProcessor;
  private readonly _exporter: ExitFlushable;
  private readonly _maxQueueSize: number;
  /** Records the batch processor accepted, oldest first; the front is pruned once handed over. */
  private _waiting: SdkLogRecord[] = [];
  /** Records of `_waiting` not yet handed over: the batch processor's queue, as it counts it. */
  private _held = 0;
  private readonly _remembered = new WeakSet<ReadableLogRecord>();
  private readonly _handed = new WeakSet<ReadableLogRecord>();
  private readonly _uninstall: () => void;
  private readonly _exitTimeoutMillis: number | undefined;

  constructor(options: ExitSafeProcessorOptions) {
    this._exporter = options.exporter;
    this._maxQueueSize = options.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE;
    this._inner = options.createProcessor(this._trackingExporter());
    this._exitTimeoutMillis = options.exitTimeoutMillis;
    this._uninstall = installCrashCapture(() => this.flushSync(this._exitTimeoutMillis), options.target);
  }

  onEmit(logRecord: SdkLogRecord, context?: Context): void {
    if (this._held < this._maxQueueSize) {
      this._waiting.push(logRecord);
      this._remembered.add(logRecord);
      this._held++;
    }
    this._inner.onEmit(logRecord, context);
  }

  forceFlush(): Promise<void> {
    return this._inner.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this._inner.shutdown();
    // Everything was exported or dropped by the batch processor: nothing is left for exit.
    this._uninstall();
    this._waiting = [];
    this._held = 0;
  }

  /** Exports synchronously what the batch processor holds and what the exporter holds. */
  flushSync(timeoutMillis?: number): void {
    const pending = this._waiting.filter((record) => !this._handed.has(record));
    for (const record of pending) this._handed.add(record);
    this._waiting = [];
    this._held = 0;
    this._exporter.flushSync(pending, timeoutMillis);
  }

  /** Marks records as handed to the exporter; forgets the front of the queue once handed. */
  private _handOver(logs: readonly ReadableLogRecord[]): void {
    for (const record of logs) {
      if (this._remembered.has(record) && !this._handed.has(record)) this._held--;
      this._handed.add(record);
    }
    let start = 0;
    // Bounded by the queue: stops at the first record not yet handed over.
    while (start < this._waiting.length && this._handed.has(this._waiting[start])) start++;
    if (start > 0) this._waiting = this._waiting.slice(start);
  }

  private _trackingExporter(): LogRecordExporter {
    const exporter = this._exporter;
    const handOver = (logs: readonly ReadableLogRecord[]): void => this._handOver(logs);
    return {
      export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
        handOver(logs);
        exporter.export(logs, resultCallback);
      },
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
      shutdown: () => exporter.shutdown(),
    };
  }
}
