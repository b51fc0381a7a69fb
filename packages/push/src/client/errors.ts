/** The one error type of `@otel-loki/push`. */
import type { PushStream } from '../types';

/** Longest excerpt of Loki's response body kept on an error. */
export const MAX_ERROR_BODY_CHARS = 512;

/** What went wrong, for callers that branch on it. */
export type LokiPushErrorReason =
  /** Loki (or a proxy) answered with a status that is not success. */
  | 'http'
  /** No answer: connection refused or reset, DNS, TLS, timeout. */
  | 'network'
  /** Loki answered 260: the tenant's ingestion is blocked and the data was dropped. */
  | 'ingestion-blocked'
  /** The overall retry deadline ran out before the data was delivered. */
  | 'deadline'
  /** The caller aborted the send. */
  | 'aborted';

/** Details of a {@link LokiPushError}. */
export interface LokiPushErrorDetails {
  reason: LokiPushErrorReason;
  status?: number;
  retryable: boolean;
  attempts: number;
  body?: string;
  entriesSent?: number;
  failedStreams?: readonly PushStream[];
  retryAfterMillis?: number;
  cause?: unknown;
}

/**
 * A push that did not succeed after the retries allowed. `message` says what to do about it;
 * nothing in it or in `body` carries credentials.
 */
export class LokiPushError extends Error {
  /** What went wrong. */
  readonly reason: LokiPushErrorReason;
  /** HTTP status of the last answer, when there was one. */
  readonly status?: number;
  /** Whether sending the same data again later may succeed (429, 5xx, network, deadline). */
  readonly retryable: boolean;
  /** HTTP attempts made, over all requests of the send. */
  readonly attempts: number;
  /** First line of Loki's answer, capped at {@link MAX_ERROR_BODY_CHARS} characters. */
  readonly body?: string;
  /** Entries that were delivered before the failure (a split send can partly succeed). */
  readonly entriesSent: number;
  /** The streams that were not delivered, for a caller that keeps them to send again. */
  readonly failedStreams: readonly PushStream[];
  /**
   * The wait the server asked for (`Retry-After`, sent by gateways and proxies, not by Loki
   * itself) before sending again, when the last answer carried one.
   */
  readonly retryAfterMillis?: number;

  constructor(message: string, details: LokiPushErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LokiPushError';
    this.reason = details.reason;
    this.status = details.status;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
    this.body = details.body;
    this.entriesSent = details.entriesSent ?? 0;
    this.failedStreams = details.failedStreams ?? [];
    this.retryAfterMillis = details.retryAfterMillis;
  }

  /** Number of entries in {@link failedStreams}. */
  get entriesFailed(): number {
    let count = 0;
    for (const stream of this.failedStreams) count += stream.entries.length;
    return count;
  }
}

/** First line of a response body, trimmed and capped. */
export function bodyExcerpt(body: string): string | undefined {
  const firstLine = body.split('\n', 1)[0].trim();
  if (firstLine.length === 0) return undefined;
  return firstLine.length > MAX_ERROR_BODY_CHARS ? firstLine.slice(0, MAX_ERROR_BODY_CHARS) + '…' : firstLine;
}
