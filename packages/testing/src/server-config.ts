/**
 * Defaults and validation of the server's options. Limit defaults are Loki 3.x's.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/limits.go
 */
import type { LokiServerLimits, LokiTestServerOptions } from './types';
import { LOKI_DISCOVER_SERVICE_NAME } from '@otel-loki/push/internal';
import { resolveCors } from './cors';
import type { ResolvedCors } from './cors';

const MIB = 1024 * 1024;
const MINUTE_MILLIS = 60_000;
const HOUR_MILLIS = 60 * MINUTE_MILLIS;

/** Loki's `discover_service_name` default. */
export const DEFAULT_DISCOVER_SERVICE_NAME: readonly string[] = LOKI_DISCOVER_SERVICE_NAME;

/** Every limit with its value resolved. */
export type ResolvedLimits = Required<LokiServerLimits>;

/** Loki 3.x's default limits (ingestion rate off, see {@link LokiServerLimits}). */
export const DEFAULT_SERVER_LIMITS: ResolvedLimits = {
  maxLineSize: 256 * 1024,
  maxLineSizeTruncate: false,
  maxLabelNamesPerSeries: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  rejectOldSamples: true,
  rejectOldSamplesMaxAgeMillis: 7 * 24 * HOUR_MILLIS,
  creationGracePeriodMillis: 10 * MINUTE_MILLIS,
  allowStructuredMetadata: true,
  maxStructuredMetadataSize: 64 * 1024,
  maxStructuredMetadataEntriesCount: 128,
  discoverServiceName: DEFAULT_DISCOVER_SERVICE_NAME,
  discoverLogLevels: true,
  ingestionRateBytesPerSecond: Infinity,
  ingestionBurstSizeBytes: 6 * MIB,
  perStreamRateLimitBytesPerSecond: Infinity,
  perStreamRateLimitBurstBytes: 15 * MIB,
  blockIngestionUntilMillis: 0,
  blockIngestionStatusCode: 260,
  maxStreamsPerTenant: 5000,
  outOfOrderWindowMillis: HOUR_MILLIS,
};

/** Every server option with its value resolved. */
export interface ResolvedOptions {
  host: string;
  port: number;
  authEnabled: boolean;
  limits: ResolvedLimits;
  lokiVersion: '3.4' | 'latest';
  duplicateCheckIgnoresMetadata: boolean;
  maxRecvMsgSizeBytes: number;
  grpcMaxRecvMsgSizeBytes: number;
  now: () => number;
  maxRecordedRequests: number;
  cors?: ResolvedCors;
}

const NUMERIC_LIMITS: ReadonlyArray<keyof LokiServerLimits> = [
  'maxLineSize',
  'maxLabelNamesPerSeries',
  'maxLabelNameLength',
  'maxLabelValueLength',
  'rejectOldSamplesMaxAgeMillis',
  'creationGracePeriodMillis',
  'maxStructuredMetadataSize',
  'maxStructuredMetadataEntriesCount',
  'ingestionRateBytesPerSecond',
  'ingestionBurstSizeBytes',
  'maxStreamsPerTenant',
  'outOfOrderWindowMillis',
  'blockIngestionUntilMillis',
  'blockIngestionStatusCode',
  'perStreamRateLimitBytesPerSecond',
  'perStreamRateLimitBurstBytes',
];
const BOOLEAN_LIMITS: ReadonlyArray<keyof LokiServerLimits> = [
  'maxLineSizeTruncate',
  'rejectOldSamples',
  'allowStructuredMetadata',
  'discoverLogLevels',
];

function checkNonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name}: expected a number >= 0, got ${String(value)}`);
  }
}

/**
 * Merges `options` with the defaults.
 *
 * @throws {TypeError|RangeError} naming the option that is wrong.
 */
export function resolveOptions(options: LokiTestServerOptions = {}): ResolvedOptions {
  const limits: Record<string, unknown> = { ...DEFAULT_SERVER_LIMITS };
  for (const [name, value] of Object.entries(options.limits ?? {})) {
    if (!(name in DEFAULT_SERVER_LIMITS)) throw new TypeError(`limits.${name}: unknown limit`);
    if (value !== undefined) limits[name] = value;
  }
  for (const name of NUMERIC_LIMITS) checkNonNegative(`limits.${name}`, limits[name]);
  for (const name of BOOLEAN_LIMITS) {
    if (typeof limits[name] !== 'boolean') {
      throw new TypeError(`limits.${name}: expected a boolean, got ${typeof limits[name]}`);
    }
  }
  const discover = limits.discoverServiceName;
  if (!Array.isArray(discover) || discover.some((name) => typeof name !== 'string')) {
    throw new TypeError('limits.discoverServiceName: expected an array of label names');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port: expected an integer from 0 to 65535, got ${String(port)}`);
  }
  const lokiVersion = options.lokiVersion ?? 'latest';
  if (lokiVersion !== '3.4' && lokiVersion !== 'latest') {
    throw new RangeError(`lokiVersion: expected '3.4' or 'latest', got ${String(lokiVersion)}`);
  }
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port,
    authEnabled: options.authEnabled ?? false,
    limits: limits as ResolvedLimits,
    lokiVersion,
    duplicateCheckIgnoresMetadata: options.duplicateCheckIgnoresMetadata ?? lokiVersion === '3.4',
    maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes ?? 100 * MIB,
    grpcMaxRecvMsgSizeBytes: options.grpcMaxRecvMsgSizeBytes ?? 4 * MIB,
    now: options.now ?? Date.now,
    maxRecordedRequests: options.maxRecordedRequests ?? 10_000,
    cors: resolveCors(options.cors),
  };
  checkNonNegative('maxRecvMsgSizeBytes', resolved.maxRecvMsgSizeBytes);
  checkNonNegative('grpcMaxRecvMsgSizeBytes', resolved.grpcMaxRecvMsgSizeBytes);
  checkNonNegative('maxRecordedRequests', resolved.maxRecordedRequests);
  if (typeof resolved.now !== 'function') throw new TypeError('now: expected a function');
  return resolved;
}
