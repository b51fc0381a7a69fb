/**
 * One push attempt as both senders make it, and what its answer means. The client makes one
 * try (`maxRetries: 0`): the senders retry themselves, with backoff, without holding the push.
 * Both run it with tracing suppressed (`suppress-tracing.ts`).
 *
 * - `delivered`: Loki took everything.
 * - `retryable`: Loki or the network failed for now (or the push was aborted): the data is
 *   kept and sent again; `failed` entries were not delivered.
 * - `refused`: Loki refused `failed` entries for good (400, 401, 413...), or the client could
 *   not send them: they are dropped, counted and reported ({@link RefusalReporter}).
 */
import { LokiPushError } from '@otel-loki/push';
import type { PushOptions } from '../internal-types';

/** What one push attempt came to. */
export type PushAttemptOutcome =
  | { readonly kind: 'delivered'; readonly failed: 0 }
  | { readonly kind: 'retryable'; readonly error: LokiPushError; readonly failed: number }
  | { readonly kind: 'refused'; readonly error: Error; readonly failed: number };

/** A push that resolved: Loki took everything. */
export const DELIVERED_ATTEMPT: PushAttemptOutcome = { kind: 'delivered', failed: 0 };

/** Options of one attempt: one try within the deadline, under the sender's abort signal. */
export function singleAttemptOptions(
  tenant: string | undefined,
  sender: { readonly signal: AbortSignal; readonly retryDeadlineMillis: number }
): PushOptions & { maxRetries: number } {
  return { tenantId: tenant, signal: sender.signal, retryDeadlineMillis: sender.retryDeadlineMillis, maxRetries: 0 };
}

/**
 * What a push of `entries` entries that rejected with `err` came to. The senders await the push
 * themselves and call this in their `catch`: a helper that awaited it for them would answer one
 * microtask later, and `forceFlush()` would then resolve before the export's callback ran.
 */
export function failedAttempt(err: unknown, entries: number): PushAttemptOutcome {
  const error = err instanceof Error ? err : new Error(String(err));
  if (!(error instanceof LokiPushError)) return { kind: 'refused', error, failed: entries };
  const kind = error.retryable || error.reason === 'aborted' ? 'retryable' : 'refused';
  return { kind, error, failed: error.entriesFailed };
}
