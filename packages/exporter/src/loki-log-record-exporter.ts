/**
 * `LokiLogRecordExporter`: the OpenTelemetry JS `LogRecordExporter` for Grafana Loki. A thin
 * class that wires the parts together: records are mapped (`record-mapping.ts`), fixed to
 * Loki's limits (`entry-limits.ts`), grouped into one batch of streams per tenant
 * (`stream-grouping.ts`) and pushed by `@otel-loki/push`'s client, with tracing suppressed,
 * with bounded concurrency (`export-queue.ts`).
 */
import type { PushResult } from '@otel-loki/push';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resolveConfig } from './configuration';
import type { ResolvedConfig } from './configuration';
import { Diagnostics, logger } from './diagnostics';
import { EntryLimiter } from './entry-limits';
import { ExportQueue } from './export-queue';
import type { MappedRecord, PushClient } from './internal-types';
import { INTERNALS } from './internals';
import type { ExporterInternals } from './internals';
import { createPushClient } from './push-client';
import { RecordMapper } from './record-mapping';
import { StreamGrouper } from './stream-grouping';
import type { TenantBatch } from './stream-grouping';
import { StreamRegistry } from './stream-registry';
import { withTracingSuppressed } from './suppress-tracing';
import { TimestampDeduplicator } from './timestamp-deduplication';
import type { LokiExporterOptions, LokiExporterStats } from './types';

const NANOS_PER_MILLI = 1_000_000n;

/** `ExportResultCode` of `@opentelemetry/core` (same values in 2.x and 3.x). */
export const ExportResultCode = Object.freeze({ SUCCESS: 0, FAILED: 1 } as const);

/** What `export()` reports, structurally `ExportResult` of `@opentelemetry/core`. */
export interface ExportResult {
  code: (typeof ExportResultCode)[keyof typeof ExportResultCode];
  error?: Error;
}

/** Exports OpenTelemetry log records to Grafana Loki, mapped as Loki's own OTLP endpoint maps them. */
export class LokiLogRecordExporter implements LogRecordExporter {
  private readonly _config: ResolvedConfig;
  private readonly _client: PushClient;
  private readonly _diagnostics = new Diagnostics();
  private readonly _mapper: RecordMapper;
  private readonly _limiter: EntryLimiter;
  private readonly _grouper: StreamGrouper;
  private readonly _queue: ExportQueue;
  private readonly _abort = new AbortController();
  private readonly _nowMillis: () => number;
  private _shutdown: Promise<void> | undefined;

  /**
   * @param options every option is optional; `new LokiLogRecordExporter()` is configured from
   *   `OTEL_EXPORTER_LOKI_*` environment variables, else sends to `http://localhost:3100`.
   * @throws {TypeError|RangeError} naming the option when an option is invalid.
   */
  constructor(options: LokiExporterOptions = {}) {
    const internals = ((options as Record<symbol, unknown>)[INTERNALS] ?? {}) as ExporterInternals;
    this._config = resolveConfig(options, internals.env ?? process.env);
    this._nowMillis = internals.nowMillis ?? Date.now;
    this._mapper = new RecordMapper(this._config.mapping, this._diagnostics);
    this._limiter = new EntryLimiter(this._config.entryLimits, this._diagnostics);
    const registry = new StreamRegistry(this._config.maxStreams, this._config.mapping.limits, this._diagnostics, this._nowMillis);
    const deduplicator = this._config.uniqueTimestamps ? new TimestampDeduplicator() : undefined;
    this._grouper = new StreamGrouper(registry, deduplicator, this._diagnostics);
    this._queue = new ExportQueue(this._config.maxConcurrentExports, this._config.maxQueuedExports);
    this._client = (internals.createClient ?? createPushClient)(this._config.client);
  }

  /** Counters of records, exports, and every kind of rewrite or drop. */
  get stats(): LokiExporterStats {
    return this._diagnostics.snapshot();
  }

  /**
   * Maps `logs` to Loki streams and pushes them, one request (or more, split by size) per
   * tenant. Never throws; calls `resultCallback` exactly once: SUCCESS, or FAILED with the
   * `LokiPushError` of the push that failed after its retries.
   */
  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    let called = false;
    const done = (result: ExportResult): void => {
      if (called) return;
      called = true;
      try {
        resultCallback(result);
      } catch (err) {
        logger.error('the export result callback threw', err);
      }
    };
    if (this._shutdown !== undefined) {
      done({ code: ExportResultCode.FAILED, error: new Error('LokiLogRecordExporter is shut down') });
      return;
    }
    let batches: TenantBatch[];
    try {
      batches = this._prepare(logs);
    } catch (err) {
      logger.error('could not map log records for Loki', err);
      done({ code: ExportResultCode.FAILED, error: asError(err) });
      return;
    }
    if (batches.length === 0) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    const accepted = this._queue.offer(async () => done(await this._send(batches)));
    if (!accepted) {
      this._diagnostics.count('exportsFailed');
      done({
        code: ExportResultCode.FAILED,
        error: new Error(`LokiLogRecordExporter: more than ${this._config.maxConcurrentExports + this._config.maxQueuedExports} exports in flight; Loki is too slow or down`),
      });
    }
  }

  /** Resolves when the exports started before the call have finished. */
  async forceFlush(): Promise<void> {
    await this._queue.drain();
  }

  /**
   * Stops accepting exports (later ones answer FAILED), waits up to `shutdownTimeoutMillis`
   * for those in flight, abandons the rest, and closes the client. Idempotent.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  private async _doShutdown(): Promise<void> {
    const finished = await settlesWithin(this._queue.drain(), this._config.shutdownTimeoutMillis);
    if (!finished) {
      logger.warn(`shutdown: exports still running after ${this._config.shutdownTimeoutMillis} ms were abandoned`);
      this._abort.abort(new Error('LokiLogRecordExporter shut down'));
    }
    try {
      await this._client.close();
    } catch (err) {
      logger.debug('closing the Loki client failed', err);
    }
  }

  private _prepare(logs: readonly ReadableLogRecord[]): TenantBatch[] {
    const nowNanos = BigInt(this._nowMillis()) * NANOS_PER_MILLI;
    const window = this._limiter.window(nowNanos);
    const mapped: MappedRecord[] = [];
    for (const record of logs) {
      const result = this._mapper.map(record, nowNanos);
      if (this._limiter.apply(result.entry, record, window)) mapped.push(result);
    }
    this._diagnostics.count('records', logs.length);
    return mapped.length === 0 ? [] : this._grouper.group(mapped);
  }

  private async _send(batches: readonly TenantBatch[]): Promise<ExportResult> {
    const signal = this._abort.signal;
    const retryDeadlineMillis = this._config.retryDeadlineMillis;
    const results = await withTracingSuppressed(() =>
      Promise.allSettled(
        batches.map((batch) => this._client.push(batch.streams, { tenantId: batch.tenant, signal, retryDeadlineMillis }))
      )
    );
    let error: Error | undefined;
    results.forEach((result: PromiseSettledResult<PushResult>, i) => {
      if (result.status === 'fulfilled') {
        this._diagnostics.count('entries', batches[i].entries);
        return;
      }
      const reason = asError(result.reason);
      logger.debug(`push to tenant ${batches[i].tenant ?? '(none)'} failed: ${reason.message}`);
      error ??= reason;
    });
    this._diagnostics.count(error === undefined ? 'exportsSucceeded' : 'exportsFailed');
    return error === undefined ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error };
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** True when `promise` settles within `millis`; the timer never keeps the process alive. */
function settlesWithin(promise: Promise<unknown>, millis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), millis);
    timer.unref?.();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      }
    );
  });
}
