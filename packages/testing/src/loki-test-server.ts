/**
 * `LokiTestServer`: an HTTP server that answers Loki's push and read APIs as Loki 3.x does.
 * It wires small parts together: body decoding, the distributor, the ingester, the read API
 * and failure injection.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tenantIdProblem } from '@otel-loki/push/internal';
import { answerApi, apiRoute } from './api/api-routes';
import type { ApiRoute } from './api/api-routes';
import { distribute } from './ingest/distributor';
import { FailureInjector } from './failure-injection';
import { Ingester } from './ingest/ingester';
import type { HttpAnswer } from './internal-types';
import type { LogExpr } from './logql/ast';
import { runQuery } from './logql/engine';
import { LogqlQueryError } from './logql/errors';
import { selectorMatches } from './logql/filters';
import { LabelsBuilder } from './logql/labels-builder';
import { parseExpr } from './logql/parser';
import { compilePipeline } from './logql/pipeline';
import type { Pipeline } from './logql/pipeline';
import { resolveQueryParams } from './logql/query-options';
import { PushDecodeError } from './decode/json-push-decoder';
import { decodePushBody } from './decode/push-body-decoder';
import { sortLabels } from './ingest/metric-parser';
import { handleQuery, isQueryPath } from './api/query-api';
import { TokenBucket } from './ingest/rate-limiter';
import { resolveOptions } from './server-config';
import type { ResolvedOptions } from './server-config';
import { corsFor } from './cors';
import type {
  EntriesFilter,
  FailureSpec,
  FailWhenOptions,
  LokiTestServerCounters,
  LokiTestServerOptions,
  QueryOptions,
  QueryResult,
  ReceivedRequest,
  RequestInfo,
  RequestKind,
  StoredEntry,
} from './types';

const PUSH_PATHS = new Set(['/loki/api/v1/push', '/api/prom/push']);
/** Tenant of every request when auth is off, as in Loki. */
export const FAKE_TENANT = 'fake';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
/** Loki endpoints answered with 501 rather than a 404 that would read as "no such Loki API". */
const NOT_EMULATED_PATHS = [
  '/otlp/v1/logs',
  '/loki/api/v1/tail',
  // index/shards; index/stats, index/volume and index/volume_range are answered (src/api).
  '/loki/api/v1/index/',
  '/loki/api/v1/delete',
  '/loki/api/v1/rules',
  '/api/prom/rules',
  // The legacy read API (Grafana before 7) and the Prometheus-style ruler API that Grafana's
  // alerting pages call on a Loki data source.
  '/api/prom/query',
  '/api/prom/label',
  '/api/prom/series',
  '/api/prom/tail',
  '/prometheus/api/v1/rules',
  '/prometheus/api/v1/alerts',
];
/**
 * Loki's `http_server_idle_timeout` (120 s). Node's default of 5 s would close idle keep-alive
 * connections under clients that reuse them, producing resets a real Loki never causes.
 */
const IDLE_TIMEOUT_MILLIS = 120_000;

function emptyCounters(): LokiTestServerCounters {
  return {
    requests: 0,
    pushRequests: 0,
    byStatus: {},
    entriesStored: 0,
    entriesRefused: 0,
    entriesDeduplicated: 0,
    injected: { status: 0, reset: 0, hang: 0, delay: 0 },
  };
}

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The log query of `entries({ selector })`: its matchers and compiled pipeline. */
function entriesSelector(query: string): { matchers: LogExpr['matchers']; pipeline: Pipeline } {
  let expr;
  try {
    expr = parseExpr(query);
  } catch (err) {
    if (err instanceof LogqlQueryError) throw new Error(`entries(): ${err.message}`);
    throw err;
  }
  if (expr.kind !== 'log') {
    throw new Error(`entries(): metric query ${JSON.stringify(query)} given; entries() takes a log query`);
  }
  return { matchers: expr.matchers, pipeline: compilePipeline(expr.stages) };
}

/** A Loki-compatible server for tests, demos and local development. */
export class LokiTestServer {
  private readonly _server: http.Server;
  private readonly _options: ResolvedOptions;
  private readonly _ingester: Ingester;
  private readonly _failures = new FailureInjector();
  private readonly _rateLimiters = new Map<string, TokenBucket>();
  private readonly _sockets = new Set<Socket>();
  private readonly _timers = new Set<NodeJS.Timeout>();
  private _requests: ReceivedRequest[] = [];
  private _counters = emptyCounters();
  private _nextId = 1;
  private _url = '';

  private constructor(options: ResolvedOptions) {
    this._options = options;
    this._ingester = new Ingester({
      maxStreamsPerTenant: options.limits.maxStreamsPerTenant,
      outOfOrderWindowMillis: options.limits.outOfOrderWindowMillis,
      duplicateCheckIgnoresMetadata: options.duplicateCheckIgnoresMetadata,
      perStreamRateLimitBytesPerSecond: options.limits.perStreamRateLimitBytesPerSecond,
      perStreamRateLimitBurstBytes: options.limits.perStreamRateLimitBurstBytes,
    });
    this._server = http.createServer((req, res) => this._onRequest(req, res));
    this._server.keepAliveTimeout = IDLE_TIMEOUT_MILLIS;
    this._server.headersTimeout = IDLE_TIMEOUT_MILLIS + 1000;
    this._server.on('connection', (socket) => {
      this._sockets.add(socket);
      socket.on('close', () => this._sockets.delete(socket));
    });
  }

  /**
   * Starts a server and resolves once it listens.
   *
   * @throws {TypeError|RangeError} on invalid options.
   */
  static async start(options: LokiTestServerOptions = {}): Promise<LokiTestServer> {
    const server = new LokiTestServer(resolveOptions(options));
    await new Promise<void>((resolve, reject) => {
      server._server.once('error', reject);
      server._server.listen(server._options.port, server._options.host, () => {
        server._server.off('error', reject);
        resolve();
      });
    });
    const address = server._server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    server._url = `http://${host}:${address.port}`;
    return server;
  }

  /** Base URL, e.g. `http://127.0.0.1:3100`. */
  get url(): string {
    return this._url;
  }

  /** Push endpoint, `${url}/loki/api/v1/push`. */
  get pushUrl(): string {
    return `${this._url}/loki/api/v1/push`;
  }

  /** Requests received, oldest first (at most `maxRecordedRequests`). */
  get requests(): readonly ReceivedRequest[] {
    return this._requests;
  }

  /** Counters of what was received and answered. */
  get counters(): LokiTestServerCounters {
    return structuredClone(this._counters);
  }

  /**
   * Stored entries, oldest first, optionally of one tenant and matching a LogQL selector.
   *
   * @throws {Error} when `selector` is not a query this server understands.
   */
  entries(filter: EntriesFilter = {}): StoredEntry[] {
    const selector = filter.selector === undefined ? undefined : entriesSelector(filter.selector);
    const result: StoredEntry[] = [];
    for (const { tenant, stream } of this._ingester.streams(filter.tenant)) {
      if (selector && !selectorMatches(selector.matchers, stream.labels)) continue;
      const labels = Object.fromEntries(stream.labels.map((l) => [l.name, l.value]));
      const lbs = new LabelsBuilder(stream.labels);
      for (const entry of stream.entries) {
        if (selector) {
          lbs.reset(entry.metadata);
          if (selector.pipeline.process(entry.timestampNanos, entry.line, lbs) === undefined) continue;
        }
        result.push({
          tenant,
          stream: stream.key,
          labels: { ...labels },
          timestampNanos: entry.timestampNanos,
          line: entry.line,
          // Sorted by name, as Loki's query answers give it.
          metadata: Object.fromEntries(sortLabels(entry.metadata).map((l) => [l.name, l.value])),
        });
      }
    }
    return result.sort((a, b) =>
      a.timestampNanos < b.timestampNanos ? -1 : a.timestampNanos > b.timestampNanos ? 1 : 0
    );
  }

  /**
   * Runs a LogQL query as `/loki/api/v1/query` (when `options.time` is set) or
   * `/loki/api/v1/query_range` answers it, and returns the answer's `data`.
   *
   * @throws {LogqlQueryError} with Loki's error text and status when Loki would refuse the query.
   * @throws {RangeError} on invalid options.
   */
  query(logql: string, options: QueryOptions = {}): QueryResult {
    const params = resolveQueryParams(logql, options, this._options.now());
    const tenant = options.tenant ?? FAKE_TENANT;
    return runQuery(() => this._ingester.streams(tenant).map(({ stream }) => stream), params);
  }

  /** Makes the next push requests fail, one specification each, in order. */
  failNext(specs: FailureSpec | readonly FailureSpec[]): void {
    this._failures.failNext(specs);
  }

  /** Makes every request matching `predicate` fail (`options.times` times, default until cleared). */
  failWhen(predicate: (request: RequestInfo) => boolean, spec: FailureSpec, options?: FailWhenOptions): void {
    this._failures.failWhen(predicate, spec, options);
  }

  /** Drops queued failures and failure rules. */
  clearFailures(): void {
    this._failures.clear();
  }

  /** Forgets stored data, recorded requests, counters, rate-limit state and failures. */
  reset(): void {
    this._ingester.clear();
    this._rateLimiters.clear();
    this._failures.clear();
    this._requests = [];
    this._counters = emptyCounters();
  }

  /** Stops listening and drops every connection, hung requests included. */
  async close(): Promise<void> {
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
    const closed = new Promise<void>((resolve) => this._server.close(() => resolve()));
    for (const socket of this._sockets) socket.destroy();
    await closed;
  }

  private _onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const kind: RequestKind = PUSH_PATHS.has(url.pathname)
      ? 'push'
      : isQueryPath(url.pathname) || apiRoute(url.pathname)
        ? 'query'
        : 'other';
    const headers = flatHeaders(req);
    if (this._options.cors !== undefined && kind !== 'other') {
      const cors = corsFor(this._options.cors, req.method ?? 'GET', kind === 'push' ? 'POST' : 'GET, POST', headers);
      if (cors.kind === 'preflight') {
        // Not recorded: a preflight carries no data and is no push.
        req.resume();
        res.writeHead(cors.status, cors.headers);
        res.end();
        return;
      }
      for (const [name, value] of Object.entries(cors.headers)) res.setHeader(name, value);
    }
    const record: ReceivedRequest = {
      id: this._nextId++,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      kind,
      bodyBytes: 0,
    };
    this._record(record);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this._options.maxRecvMsgSizeBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      record.bodyBytes = size;
      const failure = this._failures.take({
        method: record.method,
        path: record.path,
        kind,
        headers,
        tenant: headers['x-scope-orgid'],
      });
      const handle = (): void => this._answer(res, record, this._handle(record, url, Buffer.concat(chunks), tooLarge));
      if (failure) this._inject(failure, req, res, record, handle);
      else handle();
    });
  }

  private _record(record: ReceivedRequest): void {
    this._counters.requests++;
    if (record.kind === 'push') this._counters.pushRequests++;
    this._requests.push(record);
    if (this._requests.length > this._options.maxRecordedRequests) this._requests.shift();
  }

  private _inject(
    failure: FailureSpec,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: ReceivedRequest,
    handle: () => void
  ): void {
    record.injected = failure;
    const act = (): void => {
      if (failure.hang) {
        this._counters.injected.hang++;
        return;
      }
      if (failure.reset) {
        this._counters.injected.reset++;
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      if (failure.status !== undefined) {
        this._counters.injected.status++;
        const headers: Record<string, string> = { ...(failure.headers ?? {}) };
        if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
        this._answer(res, record, {
          status: failure.status,
          body: failure.body ?? `injected failure (${failure.status})`,
          headers,
        });
        return;
      }
      handle();
    };
    if (failure.delayMillis === undefined || failure.delayMillis === 0) {
      act();
      return;
    }
    this._counters.injected.delay++;
    const timer = setTimeout(() => {
      this._timers.delete(timer);
      act();
    }, failure.delayMillis);
    this._timers.add(timer);
  }

  private _tenantOf(headers: Record<string, string>): { tenant: string } | { answer: HttpAnswer } {
    if (!this._options.authEnabled) return { tenant: FAKE_TENANT };
    const orgId = headers['x-scope-orgid'];
    if (orgId === undefined || orgId === '') return { answer: { status: 401, body: 'no org id' } };
    const problem = tenantIdProblem(orgId);
    return problem === undefined ? { tenant: orgId } : { answer: { status: 400, body: problem } };
  }

  private _handle(record: ReceivedRequest, url: URL, body: Buffer, tooLarge: boolean): HttpAnswer {
    if (record.path === '/ready') return { status: 200, body: 'ready' };
    const route = apiRoute(record.path);
    if (route && !route.needsTenant) return this._api(route, record, url, body, '');
    if (!route && NOT_EMULATED_PATHS.some((prefix) => record.path.startsWith(prefix))) {
      return { status: 501, body: `${record.path} is a Loki endpoint that @otel-loki/testing does not emulate` };
    }
    if (record.kind === 'other') return { status: 404, body: '404 page not found' };
    if (record.kind === 'push' && record.method !== 'POST') return { status: 405, body: '' };
    const tenant = this._tenantOf(record.headers);
    if ('answer' in tenant) return tenant.answer;
    record.tenant = tenant.tenant;
    if (route) return this._api(route, record, url, body, tenant.tenant);
    if (record.kind === 'query') {
      const params = new URLSearchParams(url.searchParams);
      if (record.method === 'POST')
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
      return handleQuery(
        { path: record.path, params, headers: record.headers, tenant: tenant.tenant, nowMillis: this._options.now() },
        this._ingester
      );
    }
    if (tooLarge) {
      return {
        status: 413,
        body: `request body too large: ${record.bodyBytes} bytes, limit: ${this._options.maxRecvMsgSizeBytes} bytes`,
      };
    }
    return this._push(record, tenant.tenant, body);
  }

  private _api(route: ApiRoute, record: ReceivedRequest, url: URL, body: Buffer, tenant: string): HttpAnswer {
    const params = new URLSearchParams(url.searchParams);
    if (record.method === 'POST') for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
    return answerApi(route, {
      path: record.path,
      params,
      headers: record.headers,
      tenant,
      nowMillis: this._options.now(),
      ingester: this._ingester,
      lokiVersion: this._options.lokiVersion,
    });
  }

  private _push(record: ReceivedRequest, tenant: string, body: Buffer): HttpAnswer {
    let decoded;
    try {
      decoded = decodePushBody(body, record.headers['content-type'], record.headers['content-encoding'], record.path);
    } catch (err) {
      if (err instanceof PushDecodeError) return { status: 400, body: err.message };
      throw err;
    }
    record.format = decoded.format;
    record.streams = decoded.streams;
    let limiter = this._rateLimiters.get(tenant);
    if (!limiter) {
      limiter = new TokenBucket(
        this._options.limits.ingestionRateBytesPerSecond,
        this._options.limits.ingestionBurstSizeBytes
      );
      this._rateLimiters.set(tenant, limiter);
    }
    const outcome = distribute(decoded.streams, {
      tenant,
      limits: this._options.limits,
      nowMillis: this._options.now(),
      ingester: this._ingester,
      rateLimiter: limiter,
      grpcMaxRecvMsgSizeBytes: this._options.grpcMaxRecvMsgSizeBytes,
      lokiVersion: this._options.lokiVersion,
    });
    this._counters.entriesStored += outcome.stored;
    this._counters.entriesRefused += outcome.refused;
    this._counters.entriesDeduplicated += outcome.deduplicated;
    return { status: outcome.status, body: outcome.body };
  }

  private _answer(res: http.ServerResponse, record: ReceivedRequest, answer: HttpAnswer): void {
    record.status = answer.status;
    record.responseBody = answer.body;
    this._counters.byStatus[answer.status] = (this._counters.byStatus[answer.status] ?? 0) + 1;
    const headers: Record<string, string> = { ...(answer.headers ?? {}) };
    let body = answer.body;
    if (answer.status === 204 || answer.status === 405) {
      body = '';
    } else if (headers['content-type'] === undefined) {
      // Go's http.Error: plain text, a trailing newline.
      headers['content-type'] = TEXT_CONTENT_TYPE;
      headers['x-content-type-options'] = 'nosniff';
      body += '\n';
    }
    res.writeHead(answer.status, headers);
    res.end(body);
  }
}
