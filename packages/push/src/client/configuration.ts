/** Validation and defaults of {@link LokiClientOptions}: every mistake is a clear error before any I/O. */
import type { ResolvedClientConfig, ResolvedLimits } from '../internal-types';
import { resolveProxy, runtimeEnv } from '#platform/runtime';
import { base64, utf8Bytes } from '#platform/bytes';
import type { ProxyEnv } from '../transport/proxy-settings';
import { Secret } from '../transport/secret';
import { INVALID_HEADER_VALUE } from '../transport/transport-types';
import { validateTenantId } from '../loki/tenant';
import { validateTimezone } from '../loki/timestamp';
import type { LokiClientOptions, LokiLimits } from '../types';

export const DEFAULT_TIMEOUT_MILLIS = 10_000;
/** Fits inside the OTel BatchLogRecordProcessor's 30 s export timeout. */
export const DEFAULT_RETRY_DEADLINE_MILLIS = 25_000;
export const DEFAULT_INITIAL_BACKOFF_MILLIS = 500;
export const DEFAULT_MAX_BACKOFF_MILLIS = 5_000;
/** Well under Loki's 4 MiB gRPC limit and its 6 MB default burst. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
export const PUSH_PATH = '/loki/api/v1/push';
const LEGACY_PUSH_PATH = '/api/prom/push';

/** Loki's default per-tenant limits (`pkg/validation/limits.go`). */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxLineSize: 256 * 1024,
  maxLabelNamesPerSeries: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxStructuredMetadataSize: 64 * 1024,
  maxStructuredMetadataEntries: 128,
  rejectOldSamplesMaxAgeMillis: 7 * 24 * 3600 * 1000,
  creationGracePeriodMillis: 10 * 60 * 1000,
});

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

function positiveNumber(value: unknown, field: string, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(
      `${field}: expected a positive ${allowInfinity ? 'number (or Infinity)' : 'finite number'}, got ${describe(value)}`
    );
  }
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`${field}: expected a string, got ${describe(value)}`);
  return value;
}

/**
 * Checks header names and values: no CR, LF or NUL (header injection), valid token names.
 *
 * @throws {TypeError} naming the header.
 */
export function validateHeaders(headers: unknown, field: string): Record<string, string> {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new TypeError(`${field}: expected an object of header names to string values, got ${describe(headers)}`);
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`${field}: invalid header name ${JSON.stringify(name)}`);
    if (typeof value !== 'string') {
      throw new TypeError(`${field}[${JSON.stringify(name)}]: expected a string, got ${describe(value)}`);
    }
    if (INVALID_HEADER_VALUE.test(value)) {
      throw new TypeError(
        `${field}[${JSON.stringify(name)}]: header values must not contain CR, LF, NUL or other control characters, nor characters beyond Latin-1`
      );
    }
    result[name] = value;
  }
  return result;
}

/** Resolves the push URL: base URL, gateway prefix, or a full push URL used as is. */
export function resolvePushUrl(url: unknown): { pushUrl: URL; username?: string; password?: string } {
  if (typeof url !== 'string' || url.length === 0) {
    throw new TypeError(`url: expected Loki's base URL such as 'http://localhost:3100', got ${describe(url)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it may carry credentials.
    throw new TypeError('url: not a valid absolute URL (expected e.g. http://localhost:3100)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`url: expected an http: or https: URL, got ${parsed.protocol}`);
  }
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  const path = parsed.pathname.replace(/\/+$/, '');
  if (!path.endsWith(PUSH_PATH) && !path.endsWith(LEGACY_PUSH_PATH)) {
    parsed.pathname = path + PUSH_PATH;
  }
  return { pushUrl: parsed, username, password };
}

function resolveLimits(limits: LokiLimits | undefined): ResolvedLimits {
  if (limits === undefined) return { ...DEFAULT_LIMITS };
  if (limits === null || typeof limits !== 'object') {
    throw new TypeError(`limits: expected an object, got ${describe(limits)}`);
  }
  const resolved = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof LokiLimits>) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`limits.${key}: unknown limit`);
    resolved[key] = positiveNumber(limits[key], `limits.${key}`, DEFAULT_LIMITS[key], true);
  }
  return resolved;
}

/**
 * Validates options and applies defaults.
 *
 * @throws {TypeError|RangeError} naming the option, what was expected and what was given.
 */
export function resolveClientConfig(options: LokiClientOptions, env: ProxyEnv = runtimeEnv()): ResolvedClientConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options: expected an object with at least { url }, got ${describe(options)}`);
  }
  const { pushUrl, username, password } = resolvePushUrl(options.url);
  const staticHeaders: Record<string, string> = {};
  let dynamicHeaders: ResolvedClientConfig['dynamicHeaders'];
  if (typeof options.headers === 'function') {
    dynamicHeaders = options.headers;
  } else if (options.headers !== undefined) {
    Object.assign(staticHeaders, validateHeaders(options.headers, 'headers'));
  }

  const authSources = [
    username !== undefined ? 'credentials in url' : undefined,
    options.basicAuth !== undefined ? 'basicAuth' : undefined,
    options.bearerToken !== undefined ? 'bearerToken' : undefined,
  ].filter((s) => s !== undefined);
  if (authSources.length > 1) {
    throw new TypeError(`authentication: use only one of ${authSources.join(', ')}`);
  }
  if (options.basicAuth !== undefined) {
    const { basicAuth } = options;
    if (basicAuth === null || typeof basicAuth !== 'object') {
      throw new TypeError(`basicAuth: expected { username, password }, got ${describe(basicAuth)}`);
    }
    const user = optionalString(basicAuth.username, 'basicAuth.username') ?? '';
    const pass = optionalString(basicAuth.password, 'basicAuth.password') ?? '';
    if (user.includes(':')) throw new TypeError('basicAuth.username: must not contain ":"');
    staticHeaders.authorization = 'Basic ' + base64(utf8Bytes(`${user}:${pass}`));
  } else if (username !== undefined) {
    staticHeaders.authorization = 'Basic ' + base64(utf8Bytes(`${username}:${password ?? ''}`));
  } else if (options.bearerToken !== undefined) {
    const token = optionalString(options.bearerToken, 'bearerToken') as string;
    if (token.length === 0 || INVALID_HEADER_VALUE.test(token)) {
      throw new TypeError(
        'bearerToken: expected a non-empty token of Latin-1 text without CR, LF, NUL or other control characters'
      );
    }
    staticHeaders.authorization = `Bearer ${token}`;
  }

  const format = options.format ?? 'protobuf';
  if (format !== 'protobuf' && format !== 'json') {
    throw new TypeError(`format: expected 'protobuf' or 'json', got ${describe(format)}`);
  }
  if (options.agent !== undefined && (options.agent === null || typeof options.agent !== 'object')) {
    throw new TypeError(`agent: expected an http.Agent or https.Agent, got ${describe(options.agent)}`);
  }
  if (options.agent !== undefined && options.proxy !== undefined && options.proxy !== false) {
    throw new TypeError(
      'proxy: cannot be combined with agent (the agent makes the connections: configure the proxy on it)'
    );
  }
  // A custom agent makes its own connections: the environment's proxy does not apply to it.
  const proxy = options.agent === undefined ? resolveProxy(options.proxy, pushUrl, env) : undefined;
  const timeoutMillis = positiveNumber(options.timeoutMillis, 'timeoutMillis', DEFAULT_TIMEOUT_MILLIS);
  const retryDeadlineMillis = positiveNumber(
    options.retryDeadlineMillis,
    'retryDeadlineMillis',
    DEFAULT_RETRY_DEADLINE_MILLIS
  );
  const initialBackoffMillis = positiveNumber(
    options.initialBackoffMillis,
    'initialBackoffMillis',
    DEFAULT_INITIAL_BACKOFF_MILLIS
  );
  const maxBackoffMillis = positiveNumber(options.maxBackoffMillis, 'maxBackoffMillis', DEFAULT_MAX_BACKOFF_MILLIS);
  if (maxBackoffMillis < initialBackoffMillis) {
    throw new RangeError(
      `maxBackoffMillis: must be at least initialBackoffMillis (${initialBackoffMillis}), got ${maxBackoffMillis}`
    );
  }
  const maxRequestBytes = positiveNumber(options.maxRequestBytes, 'maxRequestBytes', DEFAULT_MAX_REQUEST_BYTES);
  const insecureSkipVerify = options.insecureSkipVerify ?? false;
  if (typeof insecureSkipVerify !== 'boolean') {
    throw new TypeError(`insecureSkipVerify: expected a boolean, got ${describe(insecureSkipVerify)}`);
  }

  return {
    pushUrl,
    tenantId: options.tenantId === undefined ? undefined : validateTenantId(options.tenantId, 'tenantId'),
    timezone: validateTimezone(options.timezone ?? 'UTC', 'timezone'),
    format,
    staticHeaders: new Secret(staticHeaders),
    dynamicHeaders,
    agent: options.agent,
    proxy,
    tls: new Secret({
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      ...(insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    }),
    insecureSkipVerify,
    timeoutMillis,
    retryDeadlineMillis,
    initialBackoffMillis,
    maxBackoffMillis,
    maxRequestBytes,
    limits: resolveLimits(options.limits),
  };
}
