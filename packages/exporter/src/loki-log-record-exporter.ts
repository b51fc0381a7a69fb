/**
 * `LokiLogRecordExporter`: the OpenTelemetry JS `LogRecordExporter` for Grafana Loki. A thin
 * class that wires the parts together: records are mapped (`record-mapping.ts`), fixed to
 * Loki's limits (`entry-limits.ts`), grouped into one batch of streams per tenant
 * (`stream-grouping.ts`) and handed to the retry buffer (`buffered-sender.ts`), which pushes
 * them with `@otel-loki/push`'s client and keeps what failed in a way worth retrying; or,
 * with `retryBufferBytes: 0`, pushed directly with bounded concurrency (`export-queue.ts`).
 */
import { LokiPushClient, LokiPushError } from '@otel-loki/push';
import type { PushResult, PushStream } from '@otel-loki/push';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resolveConfig } from './configuration';
import type { ResolvedConfig } from './configuration';
import { BufferedSender } from './sending/buffered-sender';
// The spool only on Node: under the web conditions a stand-in that refuses the option.
import { SpoolingSender } from '#platform/spooling';
import { DEFAULT_RETRY_BUFFER_BYTES } from './configuration';
import { resolvePushUrl } from '@otel-loki/push/internal';
import { Diagnostics, logger } from './observability/diagnostics';
import { acceptedWindow, EntryLimiter } from './limits/entry-limits';
import { ExportQueue } from './sending/export-queue';
import type { Env, MappedRecord, PushClient } from './internal-types';
import { INTERNALS } from './test-seam';
import type { ExporterInternals } from './test-seam';
import { RecordMapper } from './mapping/record-mapping';
import { ExporterMetrics } from './observability/self-observability';
import { settleWithin } from './sending/settle-within';
import type { ChunkOutcome } from './sending/retry-buffer';
import { StreamGrouper } from './streams/stream-grouping';
import type { TenantBatch } from './streams/stream-grouping';
import { StreamCap } from './limits/stream-cap';
import { withTracingSuppressed } from './sending/suppress-tracing';
import { TimestampDeduplicator } from './streams/timestamp-deduplication';
import type { LokiExporterOptions, LokiExporterStats } from './types';

const NANOS_PER_MILLI = 1_000_000n;
/** `util.inspect`'s hook by its registered name (no `node:util`: the class also runs in Workers and browsers). */
const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom');
/**
 * Longest an export waits for its first push before answering SUCCESS with its data held in
 * the retry buffer: the SDK's processor sends one batch at a time and its 2 048-record queue
 * lasts about 2 s at 1 000 records/s, so a hung Loki must not hold an export for the whole
 * request timeout.
 */
export const HAND_OFF_MILLIS = 1_000;

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
  /** The push URL, without credentials, for `util.inspect`; `undefined` with a client from the test seam. */
  private readonly _pushUrl: string | undefined;
  private readonly _diagnostics = new Diagnostics();
  private readonly _mapper: RecordMapper;
  private readonly _limiter: EntryLimiter;
  private readonly _grouper: StreamGrouper;
  private readonly _queue: ExportQueue;
  private readonly _sender: BufferedSender | SpoolingSender | undefined;
  /** The sender when a disk spool is configured (also `_sender`). */
  private readonly _spooling: SpoolingSender | undefined;
  private readonly _abort = new AbortController();
  private readonly _nowMillis: () => number;
  private _shutdown: Promise<void> | undefined;
  /** Without a retry buffer: the batches of exports not yet answered. */
  private readonly _unbuffered = new Set<TenantBatch[]>();

  /**
   * @param options every option is optional; `new LokiLogRecordExporter()` is configured from
   *   `OTEL_EXPORTER_LOKI_*` environment variables, else sends to `http://localhost:3100`.
   * @throws {TypeError|RangeError} naming the option when an option is invalid.
   */
  constructor(options: LokiExporterOptions = {}) {
    const internals = ((options as Record<symbol, unknown>)[INTERNALS] ?? {}) as ExporterInternals;
    this._config = resolveConfig(options, internals.env ?? processEnv());
    this._nowMillis = internals.nowMillis ?? Date.now;
    this._mapper = new RecordMapper(this._config.mapping, this._diagnostics, internals.packEntries ?? true);
    this._limiter = new EntryLimiter(this._config.entryLimits, this._diagnostics);
    const streamCap = new StreamCap(
      this._config.maxStreams,
      this._config.mapping.limits,
      this._diagnostics,
      this._nowMillis
    );
    const deduplicator = this._config.uniqueTimestamps ? new TimestampDeduplicator() : undefined;
    this._grouper = new StreamGrouper(streamCap, deduplicator, this._diagnostics);
    this._queue = new ExportQueue(this._config.maxConcurrentExports, this._config.maxQueuedExports);
    const client = internals.createClient?.(this._config.client) ?? new LokiPushClient(this._config.client);
    this._pushUrl = client instanceof LokiPushClient ? client.config.pushUrl.href : undefined;
    // Self-observability (loki_write_* metrics) reads this.stats and times every push.
    this._client = new ExporterMetrics(() => this.stats).instrument(client);
    const proxy = client instanceof LokiPushClient ? client.config.proxy : undefined;
    if (proxy !== undefined) {
      // The URL without credentials: says which proxy the environment or the option chose.
      logger.debug(`pushing to Loki through the proxy ${proxy.url.origin} (from ${proxy.source})`);
    }
    if (this._config.client.insecureSkipVerify === true) {
      logger.warn(
        'insecureSkipVerify is on: the TLS certificate of Loki is not verified, so anyone on the path can read and change the logs; use ca instead'
      );
    }
    const limits = this._config.mapping.limits;
    const oldestAcceptedNanos = (): bigint =>
      acceptedWindow(limits, BigInt(this._nowMillis()) * NANOS_PER_MILLI).oldest;
    const spool = this._config.spool;
    const bufferBytes = this._config.retryBufferBytes;
    if (bufferBytes > 0 || spool !== undefined) {
      const memory = new BufferedSender({
        client: this._client,
        diagnostics: this._diagnostics,
        // With a spool, memory is the fallback when the disk cannot be used.
        maxBytes: bufferBytes > 0 ? bufferBytes : DEFAULT_RETRY_BUFFER_BYTES,
        maxPushBytes: this._config.maxRequestBytes,
        maxConcurrent: this._config.maxConcurrentExports,
        retryDeadlineMillis: this._config.retryDeadlineMillis,
        oldestAcceptedNanos,
        signal: this._abort.signal,
        // Our own client keeps nothing of a push it delivered; the tests' clients may.
        releaseDelivered: spool === undefined && client instanceof LokiPushClient,
      });
      this._sender = memory;
      const { encode, pushEncoded } = this._client;
      if (spool !== undefined && (encode === undefined || pushEncoded === undefined)) {
        logger.warn('spool: this client cannot encode requests ahead of sending them; logs are kept in memory');
      } else if (spool !== undefined) {
        this._spooling = new SpoolingSender({
          client: { encode: encode!, pushEncoded: pushEncoded! },
          diagnostics: this._diagnostics,
          spool: { ...spool, ...internals.spool },
          pushUrl: this._pushUrl ?? resolvePushUrl(this._config.client.url).pushUrl.href,
          fallback: memory,
          maxConcurrent: this._config.maxConcurrentExports,
          retryDeadlineMillis: this._config.retryDeadlineMillis,
          oldestAcceptedNanos,
          signal: this._abort.signal,
        });
        this._sender = this._spooling;
      }
    }
  }

  /**
   * What `util.inspect` (and so `console.log`) shows: the push URL without credentials, the
   * tenant and the counters. The configuration holds credentials and TLS keys: never printed.
   */
  [INSPECT_CUSTOM](_depth: number, _options: unknown, inspect: (value: unknown) => string = JSON.stringify): string {
    const url = this._pushUrl ?? '(custom client)';
    return `LokiLogRecordExporter ${inspect({ url, tenantId: this._config.client.tenantId, stats: this.stats })}`;
  }

  /** Counters of records, exports, retries, and every kind of rewrite or drop; the buffer's fill. */
  get stats(): LokiExporterStats {
    const stats = this._diagnostics.snapshot();
    if (this._sender !== undefined) {
      const held = this._sender.held;
      stats.retryBufferEntries = held.entries;
      stats.retryBufferBytes = held.bytes;
    }
    const spool = this._spooling?.spoolStats();
    if (spool !== undefined) {
      stats.spoolBytes = spool.bytes;
      stats.spoolFiles = spool.files;
      stats.spoolEntries = spool.entries;
      stats.spoolOldestAgeMillis = spool.oldestRecordAgeMillis;
      stats.droppedSpoolFull = spool.droppedEntries;
      stats.spoolCorruptSkipped = spool.corruptSkipped;
    }
    return stats;
  }

  /**
   * Maps `logs` to Loki streams and pushes them, one request (or more, split by size) per
   * tenant. Never throws; calls `resultCallback` exactly once. With the retry buffer
   * (default): SUCCESS when delivered, or when held in the buffer for a later attempt (at once
   * when earlier data is still waiting, else after the first attempt or {@link HAND_OFF_MILLIS});
   * FAILED with the `LokiPushError` when Loki refused the data for good (400...). Without it:
   * SUCCESS when delivered, FAILED after the retries.
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
    if (this._sender !== undefined) {
      this._buffer(this._sender, batches, done);
      return;
    }
    // Held until answered, so that a flush at exit can still send it.
    this._unbuffered.add(batches);
    const accepted = this._queue.offer(async () => {
      const result = await this._send(batches);
      this._unbuffered.delete(batches);
      done(result);
    });
    if (!accepted) {
      this._unbuffered.delete(batches);
      this._diagnostics.count('exportsFailed');
      done({
        code: ExportResultCode.FAILED,
        error: new Error(
          `LokiLogRecordExporter: more than ${this._config.maxConcurrentExports + this._config.maxQueuedExports} exports in flight; Loki is too slow or down`
        ),
      });
    }
  }

  /**
   * Sends what is buffered now. Resolves when it is delivered, or when Loki fails (the data
   * stays buffered), and at once while Loki is known to be failing: a flush never waits for
   * an outage. Without a retry buffer: when the exports started before the call have finished.
   */
  async forceFlush(): Promise<void> {
    await this._queue.drain();
    await this._sender?.flush();
  }

  /**
   * Sends **synchronously**, for a process that is exiting (an `'exit'` listener, where nothing
   * asynchronous runs any more): `records` not yet exported (from the batch processor) and
   * everything the exporter holds (the retry buffer, pushes in flight), within `timeoutMillis`
   * (default `exitTimeoutMillis`). Blocks the thread meanwhile (a worker thread sends). What is
   * not delivered is counted in `stats.droppedAtExit`. Never throws. Afterwards the exporter
   * sends nothing more; it is meant to be the last thing it does.
   */
  flushSync(records: readonly ReadableLogRecord[] = [], timeoutMillis?: number): void {
    try {
      this._flushSync(records, timeoutMillis ?? this._config.exitTimeoutMillis);
    } catch (err) {
      logger.debug('the flush at exit failed', err);
    }
  }

  /**
   * Stops accepting exports (later ones answer FAILED), keeps trying to deliver what is
   * buffered or in flight for up to `shutdownTimeoutMillis`, then aborts and drops the rest
   * (counted in `stats.droppedAtShutdown`, with a warning), and closes the client. Idempotent.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  private async _doShutdown(): Promise<void> {
    const started = Date.now();
    const drained = await settleWithin(this._queue.drain(), this._config.shutdownTimeoutMillis);
    if (drained.status === 'timedOut') {
      logger.warn(`shutdown: exports still running after ${this._config.shutdownTimeoutMillis} ms were abandoned`);
      this._abort.abort(new Error('LokiLogRecordExporter shut down'));
    }
    if (this._sender !== undefined) {
      const left = Math.max(0, this._config.shutdownTimeoutMillis - (Date.now() - started));
      await this._sender.close(left, () => this._abort.abort(new Error('LokiLogRecordExporter shut down')));
    }
    try {
      await this._client.close();
    } catch (err) {
      logger.debug('closing the Loki client failed', err);
    }
  }

  private _flushSync(records: readonly ReadableLogRecord[], timeoutMillis: number): void {
    const deadline = Date.now() + timeoutMillis;
    const held: { tenant: string | undefined; streams: PushStream[] }[] = [];
    if (this._sender !== undefined) held.push(...this._sender.takeAll());
    for (const batches of this._unbuffered) held.push(...batches);
    this._unbuffered.clear();
    if (records.length > 0) held.push(...this._prepare(records));
    this._shutdown ??= Promise.resolve();
    for (const [tenant, streams] of byTenant(held)) {
      let entries = 0;
      for (const stream of streams) entries += stream.entries.length;
      const left = deadline - Date.now();
      let delivered = 0;
      let undelivered: readonly PushStream[] = streams;
      // With a spool and Loki known to be failing, straight to disk: exit does not wait for Loki.
      const tryLoki = this._spooling === undefined || !this._spooling.isFailingFor(tenant);
      if (tryLoki && left > 0 && this._client.pushSync !== undefined) {
        try {
          delivered = this._client.pushSync(streams, { tenantId: tenant, timeoutMillis: left }).entries;
          undelivered = [];
        } catch (err) {
          delivered = err instanceof LokiPushError ? err.entriesSent : 0;
          undelivered = err instanceof LokiPushError ? err.failedStreams : streams;
          logger.debug(`the flush at exit to tenant ${tenant ?? '(none)'} failed`, err);
        }
      }
      this._diagnostics.count('entries', delivered);
      // The rest to disk, for the next start (a resend of what was delivered is dropped by Loki).
      const stored =
        this._spooling !== undefined && undelivered.length > 0 ? this._spooling.storeSync(tenant, undelivered) : 0;
      if (delivered + stored < entries)
        this._diagnostics.countAndWarnOnce('droppedAtExit', entries - delivered - stored);
    }
    this._spooling?.closeSync();
  }

  /** Hands batches to the retry buffer; answers as the class comment of `export()` says. */
  private _buffer(
    sender: BufferedSender | SpoolingSender,
    batches: readonly TenantBatch[],
    done: (result: ExportResult) => void
  ): void {
    if (!sender.isIdle) {
      // Earlier data is waiting or in flight: this data queues behind it, in order.
      for (const batch of batches) sender.submit(batch.tenant, batch.streams);
      this._diagnostics.count('exportsSucceeded');
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    const outcomes = batches.map(
      (batch) => new Promise<ChunkOutcome>((resolve) => sender.submit(batch.tenant, batch.streams, resolve))
    );
    void settleWithin(Promise.all(outcomes), HAND_OFF_MILLIS).then((result) => {
      const settled = result.status === 'fulfilled' ? result.value : undefined;
      const refused = settled?.find((o) => o.kind === 'refused');
      const dropped = settled?.some((o) => o.kind === 'dropped') === true;
      if (refused === undefined && !dropped) {
        this._diagnostics.count('exportsSucceeded');
        done({ code: ExportResultCode.SUCCESS });
        return;
      }
      this._diagnostics.count('exportsFailed');
      const error =
        refused?.kind === 'refused'
          ? refused.error
          : new Error('LokiLogRecordExporter: the data was dropped (shut down)');
      done({ code: ExportResultCode.FAILED, error });
    });
  }

  private _prepare(logs: readonly ReadableLogRecord[]): TenantBatch[] {
    const nowNanos = BigInt(this._nowMillis()) * NANOS_PER_MILLI;
    const window = this._limiter.window(nowNanos);
    const now: readonly [number, number] = [window.nowSeconds, window.nowNanos];
    const mapped: MappedRecord[] = [];
    for (const record of logs) {
      const result = this._mapper.map(record, now);
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
        batches.map((batch) =>
          this._client.push(batch.streams, { tenantId: batch.tenant, signal, retryDeadlineMillis })
        )
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

/** The process environment where there is one (Workers without `nodejs_compat` and browsers have none). */
function processEnv(): Env {
  return typeof process === 'undefined' ? {} : process.env;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
/** Streams by tenant, in order of first appearance; each tenant's streams in order. */
function byTenant(
  held: readonly { tenant: string | undefined; streams: PushStream[] }[]
): Map<string | undefined, PushStream[]> {
  const result = new Map<string | undefined, PushStream[]>();
  for (const { tenant, streams } of held) {
    const list = result.get(tenant);
    if (list === undefined) result.set(tenant, [...streams]);
    else list.push(...streams);
  }
  return result;
}
