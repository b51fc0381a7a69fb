/**
 * LokiPushClient: delivers streams to Loki's push API — encoding, splitting under a size
 * bound, retries with backoff inside one deadline, and typed failures.
 */
import { resolveClientConfig, validateHeaders } from './configuration';
import { LokiPushError } from './errors';
import { describeFailure } from './push-failure';
import type { FailureCause, RequestFailure } from './push-failure';
import type { PushTransport, TransportResponse } from '../transport/transport-types';
import type { ResolvedClientConfig } from '../internal-types';
import { encodeJsonPushRequest } from '../wire/json-push-request';
import { encodePushRequestTransient } from '../wire/push-request-writer';
import { countEntries, halve, splitByBytes } from '../transport/request-splitting';
import { backoffMillis, decide } from '../transport/retry-policy';
import { snappyCompress } from '../wire/snappy';
import { createTransport, RUNTIME_NAME, sendSync } from '#platform/runtime';
import { utf8Bytes } from '#platform/bytes';
import type { SyncOutcome } from '../transport/sync-transport';
import { validateTenantId } from '../loki/tenant';
import type { LokiClientOptions, PushResult, PushStream } from '../types';
import { VERSION } from '../version';

const USER_AGENT = `otel-loki-push/${VERSION} (${RUNTIME_NAME})`;

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

/**
 * One request, encoded in the client's format and ready to send: what {@link LokiPushClient.encode}
 * makes and {@link LokiPushClient.pushEncoded} sends as it is. A durable queue (the exporter's
 * disk spool) stores `body`, so that a resend carries exactly the same bytes.
 */
export interface EncodedPushRequest {
  /** The request body as sent (snappy-compressed protobuf, or JSON). */
  readonly body: Uint8Array;
  /** Its `Content-Type`. */
  readonly contentType: string;
  /** Bytes before compression. */
  readonly bytes: number;
  /** Entries it carries. */
  readonly entries: number;
  /**
   * The streams it carries: reported back in `LokiPushError.failedStreams`, and halved if Loki
   * finds the request too large. Read only when the request fails, so a request read back from
   * storage may compute it on demand (a getter).
   */
  readonly streams: readonly PushStream[];
  /** How many streams it carries, when known without reading `streams`. */
  readonly streamCount?: number;
}

/** Options of one {@link LokiPushClient.pushSync}. */
export interface PushSyncOptions {
  /** Tenant for this push, overriding the client's `tenantId`. */
  tenantId?: string;
  /** Longest time the calling thread is blocked, in ms. @default 2000 */
  timeoutMillis?: number;
}

/** Default bound of {@link LokiPushClient.pushSync}. */
export const DEFAULT_PUSH_SYNC_TIMEOUT_MILLIS = 2_000;

/** Internal seams for tests. */
export interface LokiPushClientInternals {
  transport?: PushTransport;
}

/** What does not change while one send runs. */
interface SendContext {
  tenantId: string | undefined;
  signal: AbortSignal | undefined;
  /** Epoch ms after which no attempt starts. */
  deadline: number;
  maxRetries: number;
}

/** A request Loki accepted. */
interface Delivered {
  status: number;
  bytes: number;
  wireBytes: number;
  entries: number;
  streams: number;
}

/** What the requests of a send (or of a part of it) came to. */
interface SendReport {
  attempts: number;
  delivered: Delivered[];
  failed: { streams: PushStream[]; failure: RequestFailure }[];
}

/** What to do after one attempt. */
type Step =
  | { kind: 'delivered'; status: number }
  | { kind: 'split' }
  | { kind: 'wait'; millis: number }
  | { kind: 'give-up'; cause: FailureCause };

/** A Loki push client. Reuse one per process: it keeps connections alive. */
export class LokiPushClient {
  private readonly _config: ResolvedClientConfig;
  private readonly _transport: PushTransport;
  private _closed = false;
  /** What the `headers` function gave last (reused by {@link pushSync} when it returns a promise). */
  private _lastDynamicHeaders: Record<string, string> = {};

  /** @throws {TypeError|RangeError} on invalid options, naming the option. */
  constructor(options: LokiClientOptions, internals: LokiPushClientInternals = {}) {
    this._config = resolveClientConfig(options);
    // node:http on Node, Bun and Deno; fetch under the web conditions (see #platform/runtime).
    this._transport = internals.transport ?? createTransport(this._config);
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
    const context = this._context(options);
    const report: SendReport = { attempts: 0, delivered: [], failed: [] };
    for (const request of this.encode(streams)) {
      addReport(report, await this._sendRequest(request, context, report.attempts));
    }
    return this._result(report);
  }

  /**
   * Splits streams into requests under `maxRequestBytes` and encodes each in the client's
   * format, without sending anything.
   */
  encode(streams: readonly PushStream[]): EncodedPushRequest[] {
    const nonEmpty = streams.filter((s) => s.entries.length > 0);
    return splitByBytes(nonEmpty, this._config.maxRequestBytes).map((request) => this._encode(request));
  }

  /**
   * Sends one request made by {@link encode}, as it is, with the same retries, deadline and
   * errors as {@link push}. A request Loki finds over its 4 MiB message limit is halved (its
   * streams encoded again, the same entries).
   */
  async pushEncoded(request: EncodedPushRequest, options: PushOptions = {}): Promise<PushResult> {
    if (this._closed) throw new Error('LokiPushClient: pushEncoded() after close()');
    const context = this._context(options);
    return this._result(await this._sendRequest(request, context, 0));
  }

  /**
   * Sends streams **synchronously**, blocking the calling thread for at most `timeoutMillis`:
   * for code that runs when the process is already exiting (a `process.on('exit')` handler),
   * where nothing asynchronous runs any more. The requests go out from a worker thread
   * started for the call (tens of ms), one attempt each: nothing is retried, a custom `agent`
   * is not used (the proxy is, without keep-alive), and headers from a `headers` function are the ones it returned last if it
   * returns a promise. Use {@link push} everywhere else.
   *
   * @returns what was delivered.
   * @throws {LokiPushError} when some data was not delivered in time (`failedStreams` has it).
   */
  pushSync(streams: readonly PushStream[], options: PushSyncOptions = {}): PushResult {
    if (this._closed) throw new Error('LokiPushClient: pushSync() after close()');
    const tenantId =
      options.tenantId === undefined ? this._config.tenantId : validateTenantId(options.tenantId, 'tenantId');
    const timeoutMillis = options.timeoutMillis ?? DEFAULT_PUSH_SYNC_TIMEOUT_MILLIS;
    if (typeof timeoutMillis !== 'number' || !(timeoutMillis > 0)) {
      throw new RangeError(`timeoutMillis: expected a positive number, got ${String(timeoutMillis)}`);
    }
    const requests = this.encode(streams);
    const outcomes = sendSync(
      requests.map(({ body, contentType }) => ({
        url: this._config.pushUrl.href,
        headers: this._headersSync(contentType, tenantId),
        body,
      })),
      timeoutMillis,
      this._config.agent === undefined ? this._config.tls.reveal() : {},
      this._config.proxy
    );
    const report: SendReport = { attempts: 0, delivered: [], failed: [] };
    outcomes.forEach((outcome, i) => {
      const { streams: sent, body, bytes, entries } = requests[i];
      if (outcome.kind !== 'unsent') report.attempts++;
      const response = syncResponse(outcome);
      const decision = response === undefined ? undefined : decide(response);
      if (decision?.action === 'success') {
        report.delivered.push({
          status: decision.status,
          bytes,
          wireBytes: body.byteLength,
          entries,
          streams: sent.length,
        });
        return;
      }
      const cause: FailureCause =
        response === undefined || decision === undefined
          ? { kind: 'deadline' }
          : {
              kind: 'response',
              response,
              reason: decision.action === 'fail' ? decision.reason : response.kind === 'network' ? 'network' : 'http',
              retryable: decision.action === 'retry',
            };
      report.failed.push({ streams: [...sent], failure: this._describe(cause, report.attempts) });
    });
    return this._result(report);
  }

  /** Validates per-call options; the context of one send. */
  private _context(options: PushOptions): SendContext {
    const tenantId =
      options.tenantId === undefined ? this._config.tenantId : validateTenantId(options.tenantId, 'tenantId');
    const deadlineMillis = options.retryDeadlineMillis ?? this._config.retryDeadlineMillis;
    const maxRetries = options.maxRetries ?? Infinity;
    if (typeof maxRetries !== 'number' || !(maxRetries >= 0)) {
      throw new RangeError(`maxRetries: expected a number >= 0, got ${String(maxRetries)}`);
    }
    return { tenantId, signal: options.signal, deadline: Date.now() + deadlineMillis, maxRetries };
  }

  /** Closes kept-alive connections. Pushes after this fail. */
  async close(): Promise<void> {
    this._closed = true;
    this._transport.close();
  }

  private _encode(streams: readonly PushStream[]): EncodedPushRequest {
    const entries = countEntries(streams);
    if (this._config.format === 'json') {
      const body = utf8Bytes(encodeJsonPushRequest(streams));
      return {
        body,
        bytes: body.byteLength,
        contentType: 'application/json',
        entries,
        streams,
        streamCount: streams.length,
      };
    }
    // Compressed at once: the uncompressed bytes can live in a reused buffer.
    const raw = encodePushRequestTransient(streams);
    return {
      body: snappyCompress(raw),
      bytes: raw.byteLength,
      contentType: 'application/x-protobuf',
      entries,
      streams,
      streamCount: streams.length,
    };
  }

  private async _headers(contentType: string, tenantId: string | undefined): Promise<Record<string, string>> {
    if (this._config.dynamicHeaders !== undefined) {
      this._lastDynamicHeaders = validateHeaders(await this._config.dynamicHeaders(), 'headers()');
    }
    return this._composeHeaders(contentType, tenantId);
  }

  /** The headers of a synchronous send: a `headers` function's promise cannot be awaited. */
  private _headersSync(contentType: string, tenantId: string | undefined): Record<string, string> {
    if (this._config.dynamicHeaders !== undefined) {
      const produced = this._config.dynamicHeaders();
      if (!(produced instanceof Promise)) this._lastDynamicHeaders = validateHeaders(produced, 'headers()');
      else produced.catch(() => undefined);
    }
    return this._composeHeaders(contentType, tenantId);
  }

  private _composeHeaders(contentType: string, tenantId: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      ...this._config.staticHeaders.reveal(),
      ...this._lastDynamicHeaders,
    };
    headers['content-type'] = contentType;
    if (tenantId !== undefined) headers['x-scope-orgid'] = tenantId;
    return headers;
  }

  /**
   * Sends one request until it is delivered or given up, splitting it when Loki finds it too
   * large. `attemptsBefore` (attempts of the send so far) only feeds the messages.
   */
  private async _sendRequest(
    request: EncodedPushRequest,
    context: SendContext,
    attemptsBefore: number
  ): Promise<SendReport> {
    const { body, bytes, contentType, entries } = request;
    // Read only on failure: a stored request computes its streams on demand.
    const streams = (): PushStream[] => [...request.streams];
    let attempts = 0;
    let last: TransportResponse | undefined;
    const giveUp = (cause: FailureCause): SendReport => ({
      attempts,
      delivered: [],
      failed: [{ streams: streams(), failure: this._describe(cause, attemptsBefore + attempts) }],
    });
    // Bounded by the deadline: every pass makes one attempt and waits a positive backoff.
    for (;;) {
      const remaining = context.deadline - Date.now();
      if (context.signal?.aborted) return giveUp({ kind: 'aborted' });
      if (remaining <= 0) {
        // Report what Loki (or the network) last said; 'deadline' only when nothing was tried.
        return giveUp(last === undefined ? { kind: 'deadline' } : retriesOver(last, 0, undefined));
      }
      const headers = await this._headers(contentType, context.tenantId);
      attempts++;
      const response = await this._transport.send({
        url: this._config.pushUrl,
        headers,
        body,
        timeoutMillis: Math.min(this._config.timeoutMillis, remaining),
        signal: context.signal,
      });
      const step = this._nextStep(response, attempts, context);
      if (step.kind === 'delivered') {
        const delivered = {
          status: step.status,
          bytes,
          wireBytes: body.byteLength,
          entries,
          streams: request.streamCount ?? request.streams.length,
        };
        return { attempts, delivered: [delivered], failed: [] };
      }
      if (step.kind === 'give-up') return giveUp(step.cause);
      if (step.kind === 'split') {
        const halves = halve(streams());
        if (halves === undefined) {
          return giveUp({ kind: 'response', response, reason: 'http', retryable: false });
        }
        const report: SendReport = { attempts, delivered: [], failed: [] };
        for (const half of halves)
          addReport(report, await this._sendRequest(this._encode(half), context, attemptsBefore + report.attempts));
        return report;
      }
      last = response;
      await sleep(step.millis, context.signal);
    }
  }

  /** What follows attempt number `attempt` of a request, given its answer. */
  private _nextStep(response: TransportResponse, attempt: number, context: SendContext): Step {
    const decision = decide(response);
    switch (decision.action) {
      case 'success':
        return { kind: 'delivered', status: decision.status };
      case 'split':
        return { kind: 'split' };
      case 'fail':
        return { kind: 'give-up', cause: { kind: 'response', response, reason: decision.reason, retryable: false } };
      case 'retry': {
        const retry = attempt;
        if (retry > context.maxRetries) {
          return { kind: 'give-up', cause: retriesOver(response, undefined, decision.retryAfterMillis) };
        }
        const wait =
          decision.retryAfterMillis ??
          backoffMillis(retry, this._config.initialBackoffMillis, this._config.maxBackoffMillis);
        if (Date.now() + wait >= context.deadline) {
          return { kind: 'give-up', cause: retriesOver(response, wait, decision.retryAfterMillis) };
        }
        return { kind: 'wait', millis: wait };
      }
    }
  }

  private _describe(cause: FailureCause, attempts: number): RequestFailure {
    return describeFailure(cause, {
      pushUrl: this._config.pushUrl,
      proxy: this._config.proxy?.url.origin,
      attempts,
      retryDeadlineMillis: this._config.retryDeadlineMillis,
    });
  }

  /** The result of a send, or its error when any request failed. */
  private _result(report: SendReport): PushResult {
    let entries = 0;
    for (const delivered of report.delivered) entries += delivered.entries;
    if (report.failed.length > 0) {
      const first = report.failed[0].failure;
      throw new LokiPushError(first.message, {
        reason: first.reason,
        status: first.status,
        retryable: first.retryable,
        attempts: report.attempts,
        body: first.body,
        entriesSent: entries,
        failedStreams: report.failed.flatMap((failed) => failed.streams),
        retryAfterMillis: first.retryAfterMillis,
        cause: first.cause,
      });
    }
    const sum = (field: 'bytes' | 'wireBytes' | 'streams'): number =>
      report.delivered.reduce((total, delivered) => total + delivered[field], 0);
    return {
      status: report.delivered.at(-1)?.status ?? 0,
      requests: report.delivered.length,
      attempts: report.attempts,
      entries,
      streams: sum('streams'),
      bytes: sum('bytes'),
      wireBytes: sum('wireBytes'),
    };
  }
}

/** A synchronous outcome as the retry policy reads answers; `undefined` when nothing was sent. */
function syncResponse(outcome: SyncOutcome): TransportResponse | undefined {
  if (outcome.kind === 'unsent') return undefined;
  if (outcome.kind === 'response') return { kind: 'response', status: outcome.status, body: outcome.body, headers: {} };
  const error = Object.assign(new Error(outcome.message), { code: outcome.code });
  return { kind: 'network', error, code: outcome.code };
}

/** Adds what `part` came to into `into`. */
function addReport(into: SendReport, part: SendReport): void {
  into.attempts += part.attempts;
  into.delivered.push(...part.delivered);
  into.failed.push(...part.failed);
}

/** A retryable answer after which retrying stops (`nextWaitMillis`: the wait that would pass the deadline). */
function retriesOver(
  response: TransportResponse,
  nextWaitMillis: number | undefined,
  retryAfterMillis: number | undefined
): FailureCause {
  const reason = response.kind === 'network' ? 'network' : 'http';
  return { kind: 'response', response, reason, retryable: true, nextWaitMillis, retryAfterMillis };
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
