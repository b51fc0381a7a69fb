/**
 * Options from code and from the environment, code first, then the defaults, the way the OTLP
 * exporters merge them. The push client's options are validated and defaulted by
 * `@otel-loki/push` itself (one set of rules); this module adds the environment layer and the
 * exporter's own options. A bad code option throws a `TypeError`/`RangeError` naming it; a bad
 * environment value is a `diag.warn` and the default.
 */
import type { Env } from './internal-types';
import type { LokiClientOptions } from '@otel-loki/push';
import {
  DEFAULT_RETRY_DEADLINE_MILLIS,
  resolveClientConfig,
  resolvePushUrl,
  tenantIdProblem,
} from '@otel-loki/push/internal';
import {
  compileAttributeRules,
  LOKI_DEFAULT_LABEL_ATTRIBUTES,
  LOKI_DISCOVER_SERVICE_NAME,
} from './mapping/attribute-rules';
import { DEFAULT_EXIT_TIMEOUT_MILLIS } from './exit/crash-capture';
import { logger } from './observability/diagnostics';
import type { EntryLimitsConfig } from './limits/entry-limits';
import type { RecordMappingConfig } from './mapping/record-mapping';
import type { LokiExporterOptions, LokiSpoolOptions } from './types';
import { resolveSpoolOptions } from './spool/spool-options';

/** Loki's URL when neither code nor `OTEL_EXPORTER_LOKI_ENDPOINT` gives one. */
export const DEFAULT_URL = 'http://localhost:3100';
/** `BatchLogRecordProcessor`'s default `exportTimeoutMillis`. */
export const DEFAULT_EXPORT_TIMEOUT_MILLIS = 30_000;
/** Time kept between the end of the retry deadline and the processor's export timeout. */
export const EXPORT_TIMEOUT_MARGIN_MILLIS = 1_000;
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 2;
export const DEFAULT_MAX_QUEUED_EXPORTS = 64;
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 10_000;
export const DEFAULT_MAX_STREAMS = 1_000;
/**
 * Holds a 60 s outage at 1 000 records/s of ~300 bytes (18 MB) with room to spare; the heap it
 * takes when full (objects, not encoded bytes) is measured in docs/benchmarks.md.
 */
export const DEFAULT_RETRY_BUFFER_BYTES = 32 * 1024 * 1024;

/** Everything the exporter needs, resolved and validated. */
export interface ResolvedConfig {
  client: LokiClientOptions;
  mapping: RecordMappingConfig;
  entryLimits: EntryLimitsConfig;
  retryDeadlineMillis: number;
  maxStreams: number;
  uniqueTimestamps: boolean;
  maxConcurrentExports: number;
  maxQueuedExports: number;
  shutdownTimeoutMillis: number;
  exitTimeoutMillis: number;
  /** `0`: no retry buffer. */
  retryBufferBytes: number;
  maxRequestBytes: number;
  timeoutMillis: number;
  /** The disk spool, when one is configured (option or `OTEL_EXPORTER_LOKI_SPOOL_DIR`). */
  spool: LokiSpoolOptions | undefined;
}

/**
 * Resolves options and environment.
 * @throws {TypeError|RangeError} naming the option when a code option is invalid.
 */
export function resolveConfig(options: LokiExporterOptions = {}, env: Env = process.env): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${options === null ? 'null' : typeof options}`);
  }
  const exportTimeoutMillis =
    positive(options.exportTimeoutMillis, 'exportTimeoutMillis') ??
    envMillis(env, 'OTEL_BLRP_EXPORT_TIMEOUT') ??
    DEFAULT_EXPORT_TIMEOUT_MILLIS;
  const requested: LokiClientOptions = {
    url: options.url ?? envUrl(env) ?? DEFAULT_URL,
    tenantId: options.tenantId ?? envTenant(env),
    headers: options.headers ?? envHeaders(env),
    basicAuth: options.basicAuth,
    bearerToken: options.bearerToken,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    agent: options.agent,
    proxy: options.proxy,
    insecureSkipVerify: options.insecureSkipVerify,
    format: options.format,
    timeoutMillis: options.timeoutMillis ?? envMillis(env, 'OTEL_EXPORTER_LOKI_TIMEOUT'),
    retryDeadlineMillis: options.retryDeadlineMillis,
    maxRequestBytes: options.maxRequestBytes,
    limits: options.limits,
  };
  // Throws naming the option, before any I/O; the push client resolves the same options again.
  const resolved = resolveClientConfig(requested, env);
  const retryDeadlineMillis = fitDeadline(
    resolved.retryDeadlineMillis,
    exportTimeoutMillis,
    options.retryDeadlineMillis !== undefined
  );
  const client: LokiClientOptions = {
    ...requested,
    timeoutMillis: resolved.timeoutMillis,
    retryDeadlineMillis,
  };
  const { limits } = resolved;
  const tenantId = client.tenantId;
  const classifier = compileAttributeRules({
    rules: list(options.attributeRules, 'attributeRules'),
    demoteToMetadata: list(options.demoteToMetadata, 'demoteToMetadata'),
    defaultLabelAttributes:
      list(options.defaultLabelAttributes, 'defaultLabelAttributes') ?? LOKI_DEFAULT_LABEL_ATTRIBUTES,
  });
  const discover =
    options.discoverServiceName === false
      ? []
      : (list(options.discoverServiceName, 'discoverServiceName') ?? LOKI_DISCOVER_SERVICE_NAME);
  const lineFormat = oneOf(options.lineFormat, 'lineFormat', ['raw', 'json', 'logfmt'] as const) ?? 'raw';
  return {
    client,
    mapping: {
      classifier,
      discoverServiceName: discover,
      legacyLabels: bool(options.legacyLabels, 'legacyLabels') ?? false,
      lineFormat,
      tenantAttribute: nonEmpty(options.tenantAttribute, 'tenantAttribute'),
      defaultTenant: tenantId,
      severityTextAsLabel: bool(options.severityTextAsLabel, 'severityTextAsLabel') ?? false,
      limits,
    },
    entryLimits: {
      limits,
      invalidTimestamp: oneOf(options.invalidTimestamp, 'invalidTimestamp', ['replace', 'drop'] as const) ?? 'replace',
      oversizedLine: oneOf(options.oversizedLine, 'oversizedLine', ['truncate', 'drop'] as const) ?? 'truncate',
    },
    retryDeadlineMillis,
    maxStreams: positive(options.maxStreams, 'maxStreams', true) ?? DEFAULT_MAX_STREAMS,
    uniqueTimestamps: bool(options.uniqueTimestamps, 'uniqueTimestamps') ?? true,
    maxConcurrentExports:
      positive(options.maxConcurrentExports, 'maxConcurrentExports') ?? DEFAULT_MAX_CONCURRENT_EXPORTS,
    maxQueuedExports: nonNegative(options.maxQueuedExports, 'maxQueuedExports') ?? DEFAULT_MAX_QUEUED_EXPORTS,
    shutdownTimeoutMillis:
      positive(options.shutdownTimeoutMillis, 'shutdownTimeoutMillis') ?? DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
    exitTimeoutMillis:
      positive(options.exitTimeoutMillis, 'exitTimeoutMillis') ??
      envMillis(env, 'OTEL_EXPORTER_LOKI_EXIT_TIMEOUT') ??
      DEFAULT_EXIT_TIMEOUT_MILLIS,
    retryBufferBytes: nonNegative(options.retryBufferBytes, 'retryBufferBytes') ?? DEFAULT_RETRY_BUFFER_BYTES,
    maxRequestBytes: resolved.maxRequestBytes,
    timeoutMillis: resolved.timeoutMillis,
    spool: resolveSpool(options.spool, env),
  };
}

const SPOOL_FSYNC = ['interval', 'always', 'never'] as const;

/**
 * The spool from the option (`false` turns it off whatever the environment says), else from
 * `OTEL_EXPORTER_LOKI_SPOOL_DIR` / `_MAX_BYTES` / `_FSYNC`. Validated here, before any I/O.
 */
function resolveSpool(option: LokiSpoolOptions | false | undefined, env: Env): LokiSpoolOptions | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    if (typeof option !== 'object' || option === null) {
      throw new TypeError(
        `spool: expected an object with a directory, or false, got ${option === null ? 'null' : typeof option}`
      );
    }
    const { directory, maxBytes, fsync, fsyncIntervalMillis } = option;
    resolveSpoolOptions({ directory, maxBytes, fsync, fsyncIntervalMillis }); // throws naming the field
    return { directory, maxBytes, fsync, fsyncIntervalMillis };
  }
  const directory = envValue(env, 'OTEL_EXPORTER_LOKI_SPOOL_DIR');
  if (directory === undefined) return undefined;
  const maxBytes = envPositiveInteger(env, 'OTEL_EXPORTER_LOKI_SPOOL_MAX_BYTES', 'bytes', 'the default (1 GiB)');
  let fsync: LokiSpoolOptions['fsync'];
  const fsyncText = envValue(env, 'OTEL_EXPORTER_LOKI_SPOOL_FSYNC');
  if (fsyncText !== undefined) {
    if ((SPOOL_FSYNC as readonly string[]).includes(fsyncText)) fsync = fsyncText as LokiSpoolOptions['fsync'];
    else
      logger.warn(
        `OTEL_EXPORTER_LOKI_SPOOL_FSYNC: expected interval, always or never, got ${JSON.stringify(fsyncText)}; using interval`
      );
  }
  return { directory, maxBytes, fsync };
}

function fitDeadline(deadline: number, exportTimeout: number, explicit: boolean): number {
  const room = exportTimeout - EXPORT_TIMEOUT_MARGIN_MILLIS;
  if (deadline <= room) return deadline;
  const fitted = Math.max(1, room);
  if (explicit || deadline !== DEFAULT_RETRY_DEADLINE_MILLIS) {
    logger.warn(
      `retryDeadlineMillis (${deadline}) does not fit in the processor's exportTimeoutMillis (${exportTimeout}); using ${fitted} so that no export outlives the processor's wait`
    );
  } else {
    logger.debug(`retry deadline lowered to ${fitted} ms to fit exportTimeoutMillis ${exportTimeout}`);
  }
  return fitted;
}

function positive(value: unknown, field: string, allowInfinity = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`${field}: expected a number, got ${typeof value === 'number' ? 'NaN' : typeof value}`);
  if (value <= 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(
      `${field}: expected a positive ${allowInfinity ? 'number or Infinity' : 'finite number'}, got ${value}`
    );
  }
  return value;
}

function nonNegative(value: unknown, field: string): number | undefined {
  if (value === 0) return 0;
  return positive(value, field);
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`${field}: expected a boolean, got ${typeof value}`);
}

function nonEmpty(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${field}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new TypeError(
      `${field}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`
    );
  }
  return value as T;
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[];
function list<T>(value: readonly T[] | undefined | false, field: string): readonly T[] | undefined;
function list<T>(value: readonly T[] | undefined | false, field: string): readonly T[] | undefined {
  if (value === undefined || value === false)
    return field === 'attributeRules' || field === 'demoteToMetadata' ? [] : undefined;
  if (!Array.isArray(value)) throw new TypeError(`${field}: expected an array, got ${typeof value}`);
  return value;
}

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function envUrl(env: Env): string | undefined {
  const value = envValue(env, 'OTEL_EXPORTER_LOKI_ENDPOINT');
  if (value === undefined) return undefined;
  try {
    resolvePushUrl(value);
    return value;
  } catch (err) {
    const problem = (err as Error).message.replace(/^url: /, '');
    logger.warn(`OTEL_EXPORTER_LOKI_ENDPOINT: ${problem}; using ${DEFAULT_URL}`);
    return undefined;
  }
}

function envTenant(env: Env): string | undefined {
  const value = envValue(env, 'OTEL_EXPORTER_LOKI_TENANT_ID');
  if (value === undefined) return undefined;
  const problem = tenantIdProblem(value);
  if (problem === undefined) return value;
  logger.warn(`OTEL_EXPORTER_LOKI_TENANT_ID: invalid Loki tenant ID (${problem}); sending without a tenant`);
  return undefined;
}

/** A positive whole number from the environment; else a warning naming `unit` and `fallback`. */
function envPositiveInteger(env: Env, name: string, unit: string, fallback = 'the default'): number | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (/^\d+$/.test(value) && parsed > 0 && Number.isSafeInteger(parsed)) return parsed;
  logger.warn(`${name}: expected a positive whole number of ${unit}, got ${JSON.stringify(value)}; using ${fallback}`);
  return undefined;
}

function envMillis(env: Env, name: string): number | undefined {
  return envPositiveInteger(env, name, 'milliseconds');
}

/** Parses `k=v,k2=v2` (values may be percent-encoded, as in `OTEL_EXPORTER_OTLP_HEADERS`). */
export function parseHeaders(text: string): { headers: Record<string, string>; invalid: string[] } {
  const headers: Record<string, string> = {};
  const invalid: string[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      invalid.push(part.trim());
      continue;
    }
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: keep it as written.
    }
    // `%0D%0A` would smuggle a header (or a request) into every push: refuse it.
    if (/[\r\n\0]/.test(value)) {
      invalid.push(name);
      continue;
    }
    headers[name] = value;
  }
  return { headers, invalid };
}

function envHeaders(env: Env): Record<string, string> | undefined {
  const value = envValue(env, 'OTEL_EXPORTER_LOKI_HEADERS');
  if (value === undefined) return undefined;
  const { headers, invalid } = parseHeaders(value);
  if (invalid.length > 0) {
    // Never the entries themselves: they may hold credentials.
    logger.warn(
      `OTEL_EXPORTER_LOKI_HEADERS: ignored ${invalid.length} entr${invalid.length === 1 ? 'y' : 'ies'} that are not name=value with a valid header name and no CR, LF or NUL in the value`
    );
  }
  return Object.keys(headers).length > 0 ? headers : undefined;
}
