/**
 * What a failed request was, and the message a person reads about it: built by pure
 * functions from one description, so that every failure path says things the same way.
 */
import { bodyExcerpt } from './errors';
import type { LokiPushErrorReason } from './errors';
import type { TransportResponse } from '../transport/transport-types';

/** Why one request of a send was given up. */
export type FailureCause =
  /** The caller's signal fired. */
  | { kind: 'aborted' }
  /** The deadline passed before any answer came. */
  | { kind: 'deadline' }
  /** An answer (or a network error) that ends the request. */
  | {
      kind: 'response';
      response: TransportResponse;
      reason: LokiPushErrorReason;
      retryable: boolean;
      /** Set when retries stopped: the wait that would have passed the deadline (0: the deadline passed). */
      nextWaitMillis?: number;
      /** The wait a proxy asked for with `Retry-After`. */
      retryAfterMillis?: number;
    };

/** Where and how hard a send tried: the context of a failure message. */
export interface FailureContext {
  pushUrl: URL;
  /** The proxy requests go through, without credentials. */
  proxy?: string;
  attempts: number;
  retryDeadlineMillis: number;
}

/** The fields of a `LokiPushError` for one failed request. */
export interface RequestFailure {
  reason: LokiPushErrorReason;
  message: string;
  retryable: boolean;
  status?: number;
  body?: string;
  cause?: unknown;
  retryAfterMillis?: number;
}

/** Describes a failed request for a person and for a program. */
export function describeFailure(cause: FailureCause, context: FailureContext): RequestFailure {
  if (cause.kind === 'aborted') {
    return { reason: 'aborted', retryable: false, message: 'the push was aborted by the caller' };
  }
  if (cause.kind === 'deadline') {
    return {
      reason: 'deadline',
      retryable: true,
      message: `the retry deadline ran out before the push was delivered (${context.attempts} attempts)`,
    };
  }
  const { response, reason, retryable, retryAfterMillis } = cause;
  const suffix = gaveUp(cause.nextWaitMillis, context);
  if (response.kind === 'network') {
    const what = response.code ?? response.error.message;
    const via = context.proxy === undefined ? '' : ` through the proxy ${context.proxy}`;
    return {
      reason,
      retryable,
      cause: response.error,
      message: `Could not reach Loki at ${context.pushUrl.href}${via}: ${what} (${response.error.message}).${suffix}`,
    };
  }
  const { status } = response;
  const body = bodyExcerpt(response.body);
  if (status >= 300 && status < 400) {
    const location = redactLocation([response.headers.location].flat()[0], context.pushUrl);
    return {
      reason,
      status,
      body,
      retryable: false,
      message: `Loki answered ${status} redirecting to ${location}; redirects are not followed: set url to the address that accepts pushes`,
    };
  }
  const message =
    reason === 'ingestion-blocked'
      ? `Loki answered ${status}: ingestion is blocked for this tenant and the data was dropped${body ? `: ${body}` : ''}`
      : `Loki rejected the push (${status})${body ? `: ${body}` : ''}${hintFor(status)}${suffix}`;
  return { reason, status, body, retryable, message, retryAfterMillis };
}

function gaveUp(nextWaitMillis: number | undefined, context: FailureContext): string {
  if (nextWaitMillis === undefined) return '';
  const why =
    nextWaitMillis > 0 ? `the next retry (in ${Math.round(nextWaitMillis)} ms) would pass` : 'the retries reached';
  return ` Gave up after ${context.attempts} attempt(s): ${why} the ${context.retryDeadlineMillis} ms deadline.`;
}

/** The Location of a redirect, resolved against the push URL, without credentials. */
function redactLocation(location: string | undefined, base: URL): string {
  if (location === undefined) return '(no Location header)';
  try {
    const url = new URL(location, base);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '(an invalid Location header)';
  }
}

function hintFor(status: number): string {
  switch (status) {
    case 401:
      return ' (authentication: set tenantId, basicAuth or bearerToken as your Loki expects)';
    case 404:
      return " (check the URL: it should be Loki's base URL or its /loki/api/v1/push endpoint)";
    case 407:
      return ' (a proxy wants credentials: put them in the proxy URL, http://user:password@proxy:port)';
    case 413:
      return ' (the request is too large for Loki or a proxy: lower maxRequestBytes)';
    default:
      return '';
  }
}
