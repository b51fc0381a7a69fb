/**
 * Self-observability: the exporter's counters (`exporter.stats`) and the duration of each push,
 * as OpenTelemetry metrics named after Grafana Alloy's `loki.write` component
 * (`loki_write_*`), so that dashboards and alerts written for Alloy read them as they are.
 *
 * Instruments come from the global `MeterProvider` (`metrics.getMeterProvider()`), looked up
 * at the first push rather than at construction: the exporter is usually built before
 * `NodeSDK.start()` registers the provider, and the metrics API has no proxy provider. With no
 * provider registered, every instrument is the API's no-op.
 *
 * @see https://grafana.com/docs/alloy/latest/reference/components/loki/loki.write/#debug-metrics
 */
import { LokiPushError } from '@otel-loki/push';
import type { EncodedPushRequest, PushResult, PushStream, PushSyncOptions } from '@otel-loki/push';
import { metrics, ValueType } from '@opentelemetry/api';
import type { BatchObservableResult, Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { logger } from './diagnostics';
import type { PushClient, PushOptions } from '../internal-types';
import type { LokiExporterStats } from '../types';

/** Name of the meter (instrumentation scope) of the exporter's metrics. */
export const METER_NAME = '@otel-loki/exporter';

/** Metric names; Alloy's `loki_write_*` where Alloy has one. */
export const METRIC_NAMES = Object.freeze({
  sentEntries: 'loki_write_sent_entries_total',
  sentBytes: 'loki_write_sent_bytes_total',
  droppedEntries: 'loki_write_dropped_entries_total',
  retries: 'loki_write_batch_retries_total',
  requestDuration: 'loki_write_request_duration_seconds',
  timestampsRewritten: 'loki_write_timestamps_rewritten_total',
  retryBufferEntries: 'loki_write_retry_buffer_entries',
  retryBufferBytes: 'loki_write_retry_buffer_bytes',
  spoolBytes: 'loki_write_spool_bytes',
  spoolFiles: 'loki_write_spool_files',
  spoolOldestAge: 'loki_write_spool_oldest_age_seconds',
} as const);

/** `reason` of `loki_write_dropped_entries_total`, for each counter of `exporter.stats` it reads. */
export const DROP_REASONS = Object.freeze({
  linesDropped: 'line_too_long',
  timestampsDropped: 'invalid_timestamp',
  droppedBufferFull: 'queue_full',
  droppedTooOld: 'too_old',
  droppedAtShutdown: 'shutdown',
  droppedAtExit: 'exit',
  droppedSpoolFull: 'spool_full',
  entriesRefused: 'rejected',
} as const satisfies Partial<Record<keyof LokiExporterStats, string>>);

/** `reason` of `loki_write_timestamps_rewritten_total`. */
const TIMESTAMP_REASONS = Object.freeze({
  timestampsNudged: 'nudged',
  timestampsReplaced: 'replaced',
} as const satisfies Partial<Record<keyof LokiExporterStats, string>>);

/**
 * Bucket bounds of the request duration histogram, in seconds: Prometheus' defaults, which
 * are Alloy's for `loki_write_request_duration_seconds`.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Instruments {
  sentBytes: Counter;
  duration: Histogram;
}

/** Records the exporter's metrics; {@link instrument} wraps the push client it measures. */
export class ExporterMetrics {
  private _instruments: Instruments | undefined;
  /** Retries made inside the push client (without a retry buffer), not in `stats.pushRetries`. */
  private _clientRetries = 0;

  /**
   * @param _stats reads the exporter's counters (`exporter.stats`) when metrics are collected.
   * @param _meterProvider where instruments come from; the global provider by default.
   */
  constructor(
    private readonly _stats: () => LokiExporterStats,
    private readonly _meterProvider: () => MeterProvider = () => metrics.getMeterProvider()
  ) {}

  /** `client`, with each push timed and its bytes counted. */
  instrument(client: PushClient): PushClient {
    // The client's own promise is returned and observed on the side: the exporter's ordering
    // of callbacks and flushes stays the same, to the microtask, with or without metrics.
    const observe = (send: () => Promise<PushResult>): Promise<PushResult> => {
      const instruments = this._ensureInstruments();
      const started = performance.now();
      const pushed = send();
      pushed.then(
        (result) => {
          this._clientRetries += retriesOf(result.attempts);
          if (Number.isFinite(result.bytes)) instruments.sentBytes.add(result.bytes);
          instruments.duration.record(seconds(started), { status_code: String(result.status) });
        },
        (err: unknown) => {
          if (err instanceof LokiPushError) this._clientRetries += retriesOf(err.attempts);
          instruments.duration.record(seconds(started), { status_code: statusCodeOf(err) });
        }
      );
      return pushed;
    };
    return {
      push: (streams: readonly PushStream[], options?: PushOptions): Promise<PushResult> =>
        observe(() => client.push(streams, options)),
      pushSync:
        client.pushSync === undefined
          ? undefined
          : (streams: readonly PushStream[], options?: PushSyncOptions): PushResult => {
              const result = client.pushSync!(streams, options);
              this._ensureInstruments().sentBytes.add(result.bytes);
              return result;
            },
      encode: client.encode === undefined ? undefined : (streams) => client.encode!(streams),
      pushEncoded:
        client.pushEncoded === undefined
          ? undefined
          : (request: EncodedPushRequest, options?: PushOptions): Promise<PushResult> =>
              observe(() => client.pushEncoded!(request, options)),
      // The observable callback stays registered after close: the final values of a shut-down
      // exporter are still read by the MeterProvider's last collection.
      close: () => client.close(),
    };
  }

  private _ensureInstruments(): Instruments {
    if (this._instruments !== undefined) return this._instruments;
    const meter = this._meterProvider().getMeter(METER_NAME);
    const sentBytes = meter.createCounter(METRIC_NAMES.sentBytes, {
      description: 'Bytes of log entries sent to Loki (before compression)',
      unit: 'By',
      valueType: ValueType.INT,
    });
    const duration = meter.createHistogram(METRIC_NAMES.requestDuration, {
      description: 'Duration of pushes to Loki, by HTTP status code (or network, deadline, aborted)',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
    const counter = (name: string, description: string) =>
      meter.createObservableCounter(name, { description, unit: '{entry}', valueType: ValueType.INT });
    const sentEntries = counter(METRIC_NAMES.sentEntries, 'Log entries delivered to Loki');
    const droppedEntries = counter(METRIC_NAMES.droppedEntries, 'Log entries dropped, by reason');
    const retries = meter.createObservableCounter(METRIC_NAMES.retries, {
      description: 'Pushes to Loki retried after a failure worth retrying (429, 5xx, network errors)',
      unit: '{retry}',
      valueType: ValueType.INT,
    });
    const rewritten = counter(
      METRIC_NAMES.timestampsRewritten,
      'Timestamps moved so that Loki keeps the entry, by reason'
    );
    const bufferEntries = meter.createObservableUpDownCounter(METRIC_NAMES.retryBufferEntries, {
      description: 'Entries held by the retry buffer',
      unit: '{entry}',
      valueType: ValueType.INT,
    });
    const bufferBytes = meter.createObservableUpDownCounter(METRIC_NAMES.retryBufferBytes, {
      description: 'Estimated bytes held by the retry buffer',
      unit: 'By',
      valueType: ValueType.INT,
    });
    const gauge = (name: string, description: string, unit: string) =>
      meter.createObservableGauge(name, { description, unit });
    const spoolBytes = gauge(METRIC_NAMES.spoolBytes, 'Bytes of the disk spool files of this process', 'By');
    const spoolFiles = gauge(METRIC_NAMES.spoolFiles, 'Disk spool files of this process', '{file}');
    const spoolOldestAge = gauge(
      METRIC_NAMES.spoolOldestAge,
      'Age of the oldest request in the disk spool not yet accepted by Loki',
      's'
    );
    const callback = (result: BatchObservableResult): void => {
      const stats = this._stats();
      result.observe(sentEntries, stats.entries);
      for (const [field, reason] of Object.entries(DROP_REASONS)) {
        result.observe(droppedEntries, stats[field as keyof typeof DROP_REASONS], { reason });
      }
      for (const [field, reason] of Object.entries(TIMESTAMP_REASONS)) {
        result.observe(rewritten, stats[field as keyof typeof TIMESTAMP_REASONS], { reason });
      }
      result.observe(retries, stats.pushRetries + this._clientRetries);
      result.observe(bufferEntries, stats.retryBufferEntries);
      result.observe(bufferBytes, stats.retryBufferBytes);
      result.observe(spoolBytes, stats.spoolBytes);
      result.observe(spoolFiles, stats.spoolFiles);
      result.observe(spoolOldestAge, stats.spoolOldestAgeMillis / 1000);
    };
    const observables = [
      sentEntries,
      droppedEntries,
      retries,
      rewritten,
      bufferEntries,
      bufferBytes,
      spoolBytes,
      spoolFiles,
      spoolOldestAge,
    ];
    meter.addBatchObservableCallback(callback, observables);
    logger.debug('self-observability metrics registered');
    this._instruments = { sentBytes, duration };
    return this._instruments;
  }
}

/** Retries among `attempts` HTTP attempts (0 when a stand-in client does not say). */
function retriesOf(attempts: number | undefined): number {
  return typeof attempts === 'number' && attempts > 1 ? attempts - 1 : 0;
}

function seconds(startedMillis: number): number {
  return (performance.now() - startedMillis) / 1000;
}

/** The HTTP status of a failed push, else why there is none (`network`, `deadline`, `aborted`...). */
function statusCodeOf(err: unknown): string {
  if (err instanceof LokiPushError) return err.status !== undefined ? String(err.status) : err.reason;
  return 'error';
}
