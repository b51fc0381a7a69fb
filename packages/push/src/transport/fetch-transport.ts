/**
 * One HTTP POST to Loki with `fetch`, for the runtimes that have no node:http (Cloudflare
 * Workers, browsers, edge runtimes): the same outcomes as `HttpTransport` (a response with at
 * most {@link MAX_RESPONSE_BODY_BYTES} of its body, or a network error with a code), the same
 * per-request time limit and caller's `AbortSignal`. Redirects are not followed (as node:http
 * does not): a 3xx is an answer. Nothing here retries; the client does.
 */
import { MAX_RESPONSE_BODY_BYTES } from './transport-types';
import type { PushTransport, TransportRequest, TransportResponse } from './transport-types';

/**
 * The request time limit runs on the real clock, captured at load: fake timers installed by
 * an application's tests must not fire it early.
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** `fetch` as the transport calls it (a test seam). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** The `fetch` transport. Keeps nothing between requests: the runtime pools connections. */
export class FetchTransport implements PushTransport {
  private readonly _fetch: FetchFunction;

  /** @param fetchFunction defaults to the global `fetch`, called unbound as runtimes require. */
  constructor(fetchFunction?: FetchFunction) {
    this._fetch = fetchFunction ?? ((input, init) => globalThis.fetch(input, init));
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const controller = new AbortController();
    let failure: { error: Error; code: string } | undefined;
    const stop = (error: Error, code: string): void => {
      failure ??= { error, code };
      controller.abort(error);
    };
    const timer = realSetTimeout(
      () => stop(new Error(`no answer within ${request.timeoutMillis} ms`), 'ETIMEDOUT'),
      request.timeoutMillis
    );
    const onAbort = (): void => stop(abortError(), 'ABORT_ERR');
    if (request.signal?.aborted) onAbort();
    else request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (failure !== undefined) return network(failure.error, failure.code);
      const response = await this._fetch(request.url.href, {
        method: 'POST',
        headers: request.headers,
        body: request.body as Uint8Array<ArrayBuffer>,
        signal: controller.signal,
        redirect: 'manual',
      });
      const body = await readCapped(response);
      return { kind: 'response', status: response.status, body, headers: headersOf(response.headers) };
    } catch (err) {
      if (failure !== undefined) return network(failure.error, failure.code);
      const error = err instanceof Error ? err : new Error(String(err));
      return network(error, networkCode(error));
    } finally {
      realClearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    // Nothing held: fetch's connections belong to the runtime.
  }
}

function network(error: Error, code: string | undefined): TransportResponse {
  return { kind: 'network', error, code };
}

function abortError(): Error {
  const error = new Error('aborted by the caller');
  error.name = 'AbortError';
  return error;
}

/** The code of a fetch failure: undici (Node, Deno) puts the socket's `code` on `cause`. */
function networkCode(error: Error): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** Response headers as node:http gives them: names in lower case. */
function headersOf(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name.toLowerCase()] = value;
  });
  return result;
}

/** The body's first {@link MAX_RESPONSE_BODY_BYTES} bytes as text; the rest is not read. */
async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  // Bounded: stops at the end of the body or once the cap is reached.
  while (kept < MAX_RESPONSE_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    const part = value.subarray(0, MAX_RESPONSE_BODY_BYTES - kept);
    chunks.push(part);
    kept += part.byteLength;
  }
  if (kept >= MAX_RESPONSE_BODY_BYTES) await reader.cancel().catch(() => undefined);
  const bytes = new Uint8Array(kept);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
