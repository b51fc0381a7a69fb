/**
 * LokiPushClient: delivers streams to Loki's push API — encoding, splitting under a size
 * bound, retries with backoff inside one deadline, and typed failures.
 */
import { resolveClientConfig, validateHeaders } from './configuration';
import { bodyExcerpt, LokiPushError } from './errors';
import type { LokiPushErrorReason } from './errors';
import { HttpTransport } from './http-transport';
import type { PushTransport, TransportResponse } from './http-transport';
import type { ResolvedClientConfig } from './internal-types';
import { encodeJsonPushRequest } from './push-request-codec';
import { writePushRequest } from './protobuf-writer';
import { countEntries, halve, splitByBytes } from './request-splitting';
import { backoffMillis, decide } from './retry-policy';
import { snappyCompress } from './snappy';
import { validateTenantId } from './tenant';
import type { LokiClientOptions, PushResult, PushStream } from './types';
import { VERSION } from './version';

const USER_AGENT = `otel-loki-push/${VERSION} (node ${process.version})`;

/** Options of one {@link LokiPushClient.push}. */
export interface PushOptions {
  /** Tenant for this push, overriding the client's `tenantId`. */
  tenantId?: string;
  /** Cancels the push: the request in flight and any backoff. */
  signal?: AbortSignal;
  /** Overall deadline of this push in ms, overriding the client's `retryDeadlineMillis`. */
  retryDeadlineMillis?: number;
  /**
   * Retries of each request after its first attempt, within the deadline. `0` makes one
   * attempt per request and leaves retrying to the caller (the exporter's retry buffer does),
   * with `LokiPushError.retryAfterMillis` telling it how long a proxy asked to wait.
   * @default unlimited (until the deadline)
   */
  maxRetries?: number;
}

/** Internal seams for tests. */
export interface LokiPushClientInternals {
  transport?: PushTransport;
}

interface SendState {
  deadline: number;
  maxRetries: number;
  attempts: number;
  requests: number;
  lastStatus: number;
  bytes: number;
  wireBytes: number;
  entriesSent: number;
  streamsSent: number;
  failed: PushStream[];
  firstFailure?: LokiPushError;
}

/** A Loki push client. Reuse one per process: it keeps connections alive. */
export class LokiPushClient {
  private readonly _config: ResolvedClientConfig;
  private readonly _transport: PushTransport;
  private _closed = false;

  /** @throws {TypeError|RangeError} on invalid options, naming the option. */
  constructor(options: LokiClientOptions, internals: LokiPushClientInternals = {}) {
    this._config = resolveClientConfig(options);
    this._transport =
      internals.transport ?? new HttpTransport({ agent: this._config.agent, tls: this._config.tls.reveal() });
  }

  /** The resolved configuration (push URL without credentials, limits, timezone...). */
  get config(): Readonly<ResolvedClientConfig> {
    return this._config;
  }

  /**
   * Sends streams (canonical label strings, see `formatLabels`) to Loki. Large sends are split
   * under `maxRequestBytes`; 429, 5xx and network failures are retried with backoff until the
   * deadline; a push too large for Loki's 4 MiB message limit is halved and resent.
   *
   * @returns what was delivered.
   * @throws {LokiPushError} when some data could not be delivered (`failedStreams` has it).
   */
  async push(streams: readonly PushStream[], options: PushOptions = {}): Promise<PushResult> {
    if (this._closed) throw new Error('LokiPushClient: push() after close()');
    const tenantId =
      options.tenantId === undefined ? this._config.tenantId : validateTenantId(options.tenantId, 'tenantId');
    const deadlineMillis = options.retryDeadlineMillis ?? this._config.retryDeadlineMillis;
    const maxRetries = options.maxRetries ?? Infinity;
    if (typeof maxRetries !== 'number' || !(maxRetries >= 0)) {
      throw new RangeError(`maxRetries: expected a number >= 0, got ${String(maxRetries)}`);
    }
    const state: SendState = {
      deadline: Date.now() + deadlineMillis,
      maxRetries,
      attempts: 0,
      requests: 0,
      lastStatus: 0,
      bytes: 0,
      wireBytes: 0,
      entriesSent: 0,
      streamsSent: 0,
      failed: [],
    };
    const nonEmpty = streams.filter((s) => s.entries.length > 0);
    for (const request of splitByBytes(nonEmpty, this._config.maxRequestBytes)) {
      await this._sendRequest(request, tenantId, options.signal, state);
    }
    if (state.firstFailure !== undefined) {
      const first = state.firstFailure;
      throw new LokiPushError(first.message, {
        reason: first.reason,
        status: first.status,
        retryable: first.retryable,
        attempts: state.attempts,
        body: first.body,
        entriesSent: state.entriesSent,
        failedStreams: state.failed,
        retryAfterMillis: first.retryAfterMillis,
        cause: first.cause,
      });
    }
    return {
      status: state.lastStatus,
      requests: state.requests,
      attempts: state.attempts,
      entries: state.entriesSent,
      streams: state.streamsSent,
      bytes: state.bytes,
      wireBytes: state.wireBytes,
      labelValuesReplaced: 0,
    };
  }

  /** Closes kept-alive connections. Pushes after this fail. */
  async close(): Promise<void> {
    this._closed = true;
    this._transport.close();
  }

  private _encode(streams: readonly PushStream[]): { body: Uint8Array; bytes: number; contentType: string } {
    if (this._config.format === 'json') {
      const body = Buffer.from(encodeJsonPushRequest(streams), 'utf8');
      return { body, bytes: body.byteLength, contentType: 'application/json' };
    }
    const raw = writePushRequest(streams);
    return { body: snappyCompress(raw), bytes: raw.byteLength, contentType: 'application/x-protobuf' };
  }

  private async _headers(contentType: string, tenantId: string | undefined): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      ...this._config.staticHeaders.reveal(),
    };
    if (this._config.dynamicHeaders !== undefined) {
      Object.assign(headers, validateHeaders(await this._config.dynamicHeaders(), 'headers()'));
    }
    headers['content-type'] = contentType;
    if (tenantId !== undefined) headers['x-scope-orgid'] = tenantId;
    return headers;
  }

  private async _sendRequest(
    streams: PushStream[],
    tenantId: string | undefined,
    signal: AbortSignal | undefined,
    state: SendState
  ): Promise<void> {
    const { body, bytes, contentType } = this._encode(streams);
    let retry = 0;
    let last: TransportResponse | undefined;
    // Bounded by the deadline: every pass makes one attempt and waits a positive backoff.
    for (;;) {
      const remaining = state.deadline - Date.now();
      if (signal?.aborted)
        return this._fail(streams, state, 'aborted', undefined, 'the push was aborted by the caller');
      if (remaining <= 0) {
        // Report what Loki (or the network) last said; 'deadline' only when nothing was tried.
        if (last !== undefined) {
          return this._failResponse(streams, state, last, last.kind === 'network' ? 'network' : 'http', true, 0);
        }
        return this._fail(streams, state, 'deadline', undefined, this._deadlineMessage(state), true);
      }
      const headers = await this._headers(contentType, tenantId);
      state.attempts++;
      const response = await this._transport.send({
        url: this._config.pushUrl,
        headers,
        body,
        timeoutMillis: Math.min(this._config.timeoutMillis, remaining),
        signal,
      });
      const decision = decide(response);
      if (decision.action === 'success') {
        state.requests++;
        state.lastStatus = (response as { status: number }).status;
        state.bytes += bytes;
        state.wireBytes += body.byteLength;
        state.entriesSent += countEntries(streams);
        state.streamsSent += streams.length;
        return;
      }
      if (decision.action === 'split') {
        const halves = halve(streams);
        if (halves === undefined) {
          return this._failResponse(streams, state, response, 'http', false);
        }
        for (const half of halves) await this._sendRequest(half, tenantId, signal, state);
        return;
      }
      if (decision.action === 'fail') {
        return this._failResponse(streams, state, response, decision.reason, false);
      }
      retry++;
      last = response;
      const kind = response.kind === 'network' ? 'network' : 'http';
      if (retry > state.maxRetries) {
        return this._failResponse(streams, state, response, kind, true, undefined, decision.retryAfterMillis);
      }
      const wait =
        decision.retryAfterMillis ??
        backoffMillis(retry, this._config.initialBackoffMillis, this._config.maxBackoffMillis);
      if (Date.now() + wait >= state.deadline) {
        return this._failResponse(streams, state, response, kind, true, wait, decision.retryAfterMillis);
      }
      await sleep(wait, signal);
    }
  }

  private _deadlineMessage(state: SendState): string {
    return `the retry deadline ran out before the push was delivered (${state.attempts} attempts)`;
  }

  private _failResponse(
    streams: PushStream[],
    state: SendState,
    response: TransportResponse,
    reason: LokiPushErrorReason,
    retryable: boolean,
    nextWaitMillis?: number,
    retryAfterMillis?: number
  ): void {
    const target = this._config.pushUrl.href;
    const suffix =
      nextWaitMillis === undefined
        ? ''
        : ` Gave up after ${state.attempts} attempt(s): ${nextWaitMillis > 0 ? `the next retry (in ${Math.round(nextWaitMillis)} ms) would pass` : 'the retries reached'} the ${this._config.retryDeadlineMillis} ms deadline.`;
    if (response.kind === 'network') {
      const what = response.code ?? response.error.message;
      this._fail(
        streams,
        state,
        reason,
        undefined,
        `Could not reach Loki at ${target}: ${what} (${response.error.message}).${suffix}`,
        retryable,
        undefined,
        response.error
      );
      return;
    }
    const excerpt = bodyExcerpt(response.body);
    if (response.status >= 300 && response.status < 400) {
      const location = redactLocation(response.headers.location, this._config.pushUrl);
      const message = `Loki answered ${response.status} redirecting to ${location}; redirects are not followed: set url to the address that accepts pushes`;
      this._fail(streams, state, reason, response.status, message, false, excerpt);
      return;
    }
    const message =
      reason === 'ingestion-blocked'
        ? `Loki answered ${response.status}: ingestion is blocked for this tenant and the data was dropped${excerpt ? `: ${excerpt}` : ''}`
        : `Loki rejected the push (${response.status})${excerpt ? `: ${excerpt}` : ''}${hintFor(response.status)}${suffix}`;
    this._fail(streams, state, reason, response.status, message, retryable, excerpt, undefined, retryAfterMillis);
  }

  private _fail(
    streams: PushStream[],
    state: SendState,
    reason: LokiPushErrorReason,
    status: number | undefined,
    message: string,
    retryable = false,
    body?: string,
    cause?: unknown,
    retryAfterMillis?: number
  ): void {
    state.failed.push(...streams);
    state.firstFailure ??= new LokiPushError(message, {
      reason,
      status,
      retryable,
      attempts: state.attempts,
      body,
      retryAfterMillis,
      cause,
    });
  }
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
    case 413:
      return ' (the request is too large for Loki or a proxy: lower maxRequestBytes)';
    default:
      return '';
  }
}

/** Waits `millis` (global setTimeout, so fake timers drive it in tests), or until aborted. */
function sleep(millis: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, millis);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
