/**
 * What the register entry reads from the environment besides `OTEL_EXPORTER_LOKI_*` (read by
 * the exporter itself) and `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (read by the
 * NodeSDK's resource detectors). `OTEL_BLRP_*` are parsed here because the SDK applies them
 * only to the processors it builds itself. A bad value is a `diag.warn` and the default.
 *
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import type { Env } from './internal-types';
import { logger } from './diagnostics';

/** `BatchLogRecordProcessor` settings from `OTEL_BLRP_*`; absent: the SDK's default. */
export interface BatchSettings {
  /** `OTEL_BLRP_SCHEDULE_DELAY` (SDK default 1000 ms). */
  scheduledDelayMillis?: number;
  /** `OTEL_BLRP_EXPORT_TIMEOUT` (SDK default 30000 ms). */
  exportTimeoutMillis?: number;
  /** `OTEL_BLRP_MAX_QUEUE_SIZE` (SDK default 2048). */
  maxQueueSize?: number;
  /** `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` (SDK default 512). */
  maxExportBatchSize?: number;
}

/** Everything the register entry decides from the environment. */
export interface RegisterSettings {
  /** `OTEL_SDK_DISABLED=true`: start nothing. */
  disabled: boolean;
  batch: BatchSettings;
  /**
   * `OTEL_TRACES_EXPORTER` names an exporter: the SDK builds span processors from the
   * environment. Otherwise spans are recorded (so logs carry trace context) but not exported.
   */
  tracesFromEnvironment: boolean;
  /** `OTEL_METRICS_EXPORTER` is set: the SDK builds metric readers from it; otherwise none. */
  metricsFromEnvironment: boolean;
}

/** Reads {@link RegisterSettings}; never throws. */
export function readRegisterSettings(env: Env): RegisterSettings {
  const traces = listOf(env.OTEL_TRACES_EXPORTER);
  const metrics = listOf(env.OTEL_METRICS_EXPORTER);
  return {
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
    batch: {
      scheduledDelayMillis: integer(env, 'OTEL_BLRP_SCHEDULE_DELAY', 0),
      exportTimeoutMillis: integer(env, 'OTEL_BLRP_EXPORT_TIMEOUT', 1),
      maxQueueSize: integer(env, 'OTEL_BLRP_MAX_QUEUE_SIZE', 1),
      maxExportBatchSize: integer(env, 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', 1),
    },
    tracesFromEnvironment: traces.length > 0 && !traces.every((name) => name === 'none'),
    metricsFromEnvironment: metrics.length > 0,
  };
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'null');
}

/** A whole number ≥ `min`, else `undefined` (with a warning when set but invalid). */
function integer(env: Env, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (Number.isSafeInteger(value) && value >= min) return value;
  logger.warn(`${name}: expected a whole number ≥ ${min}, got ${JSON.stringify(raw)}; using the SDK's default`);
  return undefined;
}
