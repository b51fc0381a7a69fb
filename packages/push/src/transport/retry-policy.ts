/**
 * Which answers are retried, and how long to wait: Loki's status codes as its own clients
 * (Promtail, Alloy) treat them, plus `Retry-After` from proxies and the 4 MiB split case.
 */
import type { TransportResponse } from './transport-types';
import { PROXY_AUTHENTICATION_CODE, PROXY_TUNNEL_REFUSED_CODE } from './transport-types';

/** Loki's "ingestion blocked" answer: a 2xx that means the data was dropped. */
export const STATUS_INGESTION_BLOCKED = 260;
/** Share of a backoff delay that is randomised ("equal jitter"). */
const JITTER_RATIO = 0.5;
/** Loki's answer when a push is over its internal 4 MiB gRPC message limit. */
const MESSAGE_TOO_LARGE = /ResourceExhausted|received message larger than max|message larger than max/i;
/** Network errors that will not clear by themselves (certificates, protocol): not retried. */
const FINAL_NETWORK_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_INVALID_URL',
  'ERR_INVALID_CHAR',
  'ABORT_ERR',
  PROXY_AUTHENTICATION_CODE,
  PROXY_TUNNEL_REFUSED_CODE,
]);

/** What to do with an answer. */
export type RetryDecision =
  | { action: 'success'; status: number }
  | { action: 'retry'; retryAfterMillis?: number }
  | { action: 'split' }
  | { action: 'fail'; reason: 'http' | 'network' | 'ingestion-blocked' | 'aborted' };

/** Classifies one transport outcome. */
export function decide(response: TransportResponse, now: number = Date.now()): RetryDecision {
  if (response.kind === 'network') {
    if (response.code === 'ABORT_ERR') return { action: 'fail', reason: 'aborted' };
    return response.code !== undefined && FINAL_NETWORK_CODES.has(response.code)
      ? { action: 'fail', reason: 'network' }
      : { action: 'retry' };
  }
  const { status } = response;
  if (status === 200 || status === 204) return { action: 'success', status };
  if (status === STATUS_INGESTION_BLOCKED) return { action: 'fail', reason: 'ingestion-blocked' };
  if (status === 500 && MESSAGE_TOO_LARGE.test(response.body)) return { action: 'split' };
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    return { action: 'retry', retryAfterMillis: parseRetryAfter(response.headers['retry-after'], now) };
  }
  return { action: 'fail', reason: 'http' };
}

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP-date. Returns `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Backoff before retry number `retry` (1 for the first retry): `initial × 2^(retry−1)`,
 * capped at `max`, of which the upper half is random.
 */
export function backoffMillis(retry: number, initial: number, max: number, random: () => number = Math.random): number {
  const exponential = Math.min(max, initial * 2 ** Math.min(retry - 1, 30));
  return exponential * (1 - JITTER_RATIO) + exponential * JITTER_RATIO * random();
}
