/**
 * The two ways a request of the Node transports ends early: its time limit (the whole
 * exchange, not the idle time between bytes) and the caller's `AbortSignal`. Both end in a
 * network outcome coded as node:http codes them (`ETIMEDOUT`, `ABORT_ERR`).
 */
import * as timers from 'node:timers';
import type { TransportRequest } from './transport-types';

/**
 * The time limit runs on the real clock, captured at load: fake timers installed by an
 * application's tests (which also patch `node:timers`) must not fire it early.
 */
const realSetTimeout = timers.setTimeout;
const realClearTimeout = timers.clearTimeout;

/** An `Error` with a Node-style `code`. */
export function codedError(message: string, code: string): NodeJS.ErrnoException {
  const error = new Error(message) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

/**
 * Starts `request`'s time limit and listens to its signal: `stop` gets the error (and its
 * code) of whichever comes first; when the signal is already aborted, at once and nothing is
 * started. Returns the function that ends both, to call when the request settles.
 */
export function watchRequest(request: TransportRequest, stop: (error: Error, code: string) => void): () => void {
  const onAbort = (): void => {
    const error = codedError('aborted by the caller', 'ABORT_ERR');
    error.name = 'AbortError';
    stop(error, 'ABORT_ERR');
  };
  if (request.signal?.aborted) {
    onAbort();
    return () => undefined;
  }
  const timer = realSetTimeout(
    () => stop(codedError(`no answer within ${request.timeoutMillis} ms`, 'ETIMEDOUT'), 'ETIMEDOUT'),
    request.timeoutMillis
  );
  timer.unref();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  return (): void => {
    realClearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  };
}
