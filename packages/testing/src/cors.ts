/**
 * CORS for pages that push or query from a browser (`cors` option). Loki has none of its own:
 * in production a gateway in front of it answers the preflight and adds these headers, and
 * this server does the same so that browser tests run against it. Only the push and query
 * paths take part; an origin not allowed gets no CORS header (the browser then blocks the
 * request, as it would at a gateway that does not list the page).
 */
import type { LokiTestServerCors } from './types';

/** How long a browser may reuse a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Request headers a page may send when the preflight names none (what the push clients send). */
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, content-encoding, x-scope-orgid';
/** Response headers a page may read beyond the safelisted ones: the retry wait of a 429 or 503. */
const EXPOSED_HEADERS = 'retry-after';
const HEADER_LIST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\s*,\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

/** The `cors` option after validation. */
export interface ResolvedCors {
  origins: '*' | ReadonlySet<string>;
  credentials: boolean;
}

/**
 * Validates the `cors` option.
 *
 * @throws {TypeError} naming the field.
 */
export function resolveCors(cors: LokiTestServerCors | undefined): ResolvedCors | undefined {
  if (cors === undefined) return undefined;
  if (cors === null || typeof cors !== 'object') {
    throw new TypeError(`cors: expected { origins: '*' | string[] }, got ${cors === null ? 'null' : typeof cors}`);
  }
  const credentials = cors.credentials ?? false;
  if (typeof credentials !== 'boolean') throw new TypeError('cors.credentials: expected a boolean');
  if (cors.origins === '*') {
    if (credentials) throw new TypeError("cors.origins: '*' cannot be combined with credentials (browsers refuse it)");
    return { origins: '*', credentials };
  }
  if (!Array.isArray(cors.origins)) {
    throw new TypeError("cors.origins: expected '*' or an array of origins such as 'http://localhost:5173'");
  }
  cors.origins.forEach((origin: unknown, i: number) => {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new TypeError(
        `cors.origins[${i}]: expected an origin (scheme://host[:port], no path), got ${String(origin)}`
      );
    }
  });
  return { origins: new Set(cors.origins), credentials };
}

/** What CORS makes of one request. */
export type CorsDecision =
  /** Answer the preflight now, with these headers (no CORS headers when the origin is not allowed). */
  | { kind: 'preflight'; status: number; headers: Record<string, string> }
  /** Handle the request, adding these headers to its answer. */
  | { kind: 'request'; headers: Record<string, string> };

/**
 * The CORS part of a request to a push (`methods: 'POST'`) or query path. `headers` are the
 * request's, names in lower case.
 */
export function corsFor(
  cors: ResolvedCors,
  method: string,
  methods: string,
  headers: Record<string, string>
): CorsDecision {
  const origin = headers['origin'];
  const allowed = origin !== undefined && (cors.origins === '*' || cors.origins.has(origin));
  const isPreflight = method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
  if (!allowed) return isPreflight ? { kind: 'preflight', status: 403, headers: {} } : { kind: 'request', headers: {} };
  const common: Record<string, string> = {
    'access-control-allow-origin': cors.origins === '*' ? '*' : origin,
    vary: 'Origin',
    ...(cors.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
  if (!isPreflight)
    return { kind: 'request', headers: { ...common, 'access-control-expose-headers': EXPOSED_HEADERS } };
  const requested = headers['access-control-request-headers'];
  return {
    kind: 'preflight',
    status: 204,
    headers: {
      ...common,
      'access-control-allow-methods': methods,
      'access-control-allow-headers':
        requested !== undefined && HEADER_LIST.test(requested.trim()) ? requested.trim() : DEFAULT_ALLOWED_HEADERS,
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    },
  };
}
