/**
 * One HTTP/1.1 POST to Loki over kept-alive sockets of our own (node:net, node:tls), without
 * node:http's request, agent and stream machinery: the same outcomes as `HttpTransport` for
 * about half its CPU per request (see docs/benchmarks.md). Used on Node when no custom `agent`
 * and no proxy are configured; those keep `HttpTransport`.
 *
 * Per origin, at most {@link MAX_SOCKETS} connections; a request waits for a free one beyond
 * that. A connection carries one request at a time (no pipelining) and is reused when the
 * response allows it (HTTP/1.1 without `Connection: close`, framed by length or chunks). Idle
 * connections do not keep the process alive, and are dropped when the server closes them.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsSettings } from '../internal-types';
import { nodeTls } from './node-tls';
import type { NodeTlsOptions } from './node-tls';
import { Http1ResponseReader, INVALID_RESPONSE_CODE } from './http1-response';
import type { ReadOutcome } from './http1-response';
import { codedError, watchRequest } from './request-limits';
import { INSPECT_CUSTOM, INVALID_HEADER_VALUE } from './transport-types';
import type { PushTransport, TransportRequest, TransportResponse } from './transport-types';

/** Connections kept per origin (as `HttpTransport`'s agent). */
export const MAX_SOCKETS = 16;
/** TCP keep-alive probes on idle connections start after this long (node:http's agent default). */
const KEEP_ALIVE_MILLIS = 1000;
/** Headers this transport writes itself; a caller's copy is left out (`host` replaces ours). */
const OWN_HEADERS = new Set(['content-length', 'connection', 'transfer-encoding', 'host']);
/** The code of a request made after {@link SocketTransport.close}. */
const CLOSED_CODE = 'ERR_TRANSPORT_CLOSED';

/** Where requests go: one pool of connections each. */
interface SocketTarget {
  /** `protocol//host:port`. */
  key: string;
  secure: boolean;
  /** Host name or address to connect to (IPv6 without brackets). */
  hostname: string;
  port: number;
}

/** Options of {@link SocketTransport}. */
export interface SocketTransportOptions {
  /** TLS options for `https:` (CA, client certificate and key, verification). */
  tls?: TlsSettings;
  /** Connections per origin. @default MAX_SOCKETS */
  maxSockets?: number;
}

/** Plain TCP, or TLS with the given settings and SNI for host names (not addresses). */
function connect(target: SocketTarget, tlsSettings: NodeTlsOptions): net.Socket {
  if (!target.secure) return net.connect({ host: target.hostname, port: target.port });
  return tls.connect({
    ...tlsSettings,
    host: target.hostname,
    port: target.port,
    ...(net.isIP(target.hostname) === 0 ? { servername: target.hostname } : {}),
  });
}

/** The HTTP/1.1 socket transport (Node). */
export class SocketTransport implements PushTransport {
  private readonly _pools = new Map<string, Pool>();
  private readonly _tls: NodeTlsOptions;
  private readonly _maxSockets: number;
  private _closed = false;

  constructor(options: SocketTransportOptions = {}) {
    this._tls = nodeTls(options.tls);
    this._maxSockets = options.maxSockets ?? MAX_SOCKETS;
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve) => {
      if (this._closed) return resolve(network(codedError('the transport is closed', CLOSED_CODE), CLOSED_CODE));
      const head = requestHead(request);
      if (typeof head !== 'string') return resolve(head);
      const target = targetOf(request.url);
      const pool = this._pool(target);
      let connection: Connection | undefined;
      let settled = false;
      // Replaced once watching starts; a signal aborted before that settles with nothing to end.
      let unwatch = (): void => undefined;
      const finish = (response: TransportResponse): void => {
        if (settled) return;
        settled = true;
        unwatch();
        pool.cancel(waiter);
        resolve(response);
      };
      const waiter: Waiter = {
        take: (acquired) => {
          if (settled) return pool.release(acquired);
          connection = acquired;
          acquired.exchange(head, request.body, finish);
        },
        fail: (error) => finish(network(error, (error as NodeJS.ErrnoException).code ?? 'ECONNRESET')),
      };
      unwatch = watchRequest(request, (error, code) => {
        finish(network(error, code));
        connection?.destroy();
      });
      if (!settled) pool.acquire(waiter);
    });
  }

  close(): void {
    this._closed = true;
    for (const pool of this._pools.values()) pool.destroy();
    this._pools.clear();
  }

  /** Open connections per origin, busy and idle (for tests and diagnostics). */
  connections(): Record<string, { busy: number; idle: number }> {
    const counts: Record<string, { busy: number; idle: number }> = {};
    for (const [key, pool] of this._pools) counts[key] = pool.counts();
    return counts;
  }

  /** TLS settings hold a private key: print nothing of them. */
  [INSPECT_CUSTOM](): string {
    return `SocketTransport { maxSockets: ${this._maxSockets} }`;
  }

  private _pool(target: SocketTarget): Pool {
    let pool = this._pools.get(target.key);
    if (pool === undefined) {
      pool = new Pool((owner) => new Connection(connect(target, this._tls), owner), this._maxSockets);
      this._pools.set(target.key, pool);
    }
    return pool;
  }
}

/** Who waits for a connection: it gets one, or the error of opening one. */
interface Waiter {
  take(connection: Connection): void;
  fail(error: Error): void;
}

/** The connections to one origin: idle ones reused most recent first, a queue beyond the limit. */
class Pool {
  private readonly _all = new Set<Connection>();
  private readonly _idle: Connection[] = [];
  private readonly _waiting: Waiter[] = [];

  constructor(
    private readonly _create: (pool: Pool) => Connection,
    private readonly _max: number
  ) {}

  acquire(waiter: Waiter): void {
    const idle = this._idle.pop();
    if (idle !== undefined) return waiter.take(idle.wake());
    if (this._all.size < this._max) return this._open(waiter);
    this._waiting.push(waiter);
  }

  /** A waiter that gave up (timeout, abort) leaves the queue. */
  cancel(waiter: Waiter): void {
    const i = this._waiting.indexOf(waiter);
    if (i >= 0) this._waiting.splice(i, 1);
  }

  /** A connection free for the next request: to the first waiter, else idle. */
  release(connection: Connection): void {
    const waiter = this._waiting.shift();
    if (waiter !== undefined) return waiter.take(connection);
    this._idle.push(connection.sleep());
  }

  /** A connection closed: its place goes to the first waiter. */
  closed(connection: Connection): void {
    this._all.delete(connection);
    const i = this._idle.indexOf(connection);
    if (i >= 0) this._idle.splice(i, 1);
    const waiter = this._waiting.shift();
    if (waiter !== undefined) this._open(waiter);
  }

  counts(): { busy: number; idle: number } {
    return { busy: this._all.size - this._idle.length, idle: this._idle.length };
  }

  /** Closes every connection, busy ones too (their requests fail, as with node:http's agent). */
  destroy(): void {
    for (const connection of this._all) connection.destroy();
    for (const waiter of this._waiting.splice(0)) waiter.fail(codedError('the transport is closed', CLOSED_CODE));
  }

  private _open(waiter: Waiter): void {
    let connection: Connection;
    try {
      // Throws on settings the TLS layer refuses (a malformed key or certificate).
      connection = this._create(this);
    } catch (err) {
      return waiter.fail(err instanceof Error ? err : new Error(String(err)));
    }
    this._all.add(connection);
    waiter.take(connection);
  }
}

/** One socket and the exchange it carries, if any. */
class Connection {
  private _reader: Http1ResponseReader | undefined;
  private _finish: ((response: TransportResponse) => void) | undefined;
  private _gone = false;

  constructor(
    private readonly _socket: net.Socket,
    private readonly _pool: Pool
  ) {
    _socket.setNoDelay(true);
    _socket.setKeepAlive(true, KEEP_ALIVE_MILLIS);
    _socket.on('data', (bytes: Buffer) => this._read(bytes));
    _socket.on('end', () => {
      const outcome = this._reader?.end();
      if (outcome?.kind === 'error') this._lost(hangUp(outcome.message), 'ECONNRESET');
      else this._outcome(outcome);
    });
    _socket.on('error', (error: NodeJS.ErrnoException) => this._lost(error, error.code ?? 'ECONNRESET'));
    _socket.on('close', () => this._lost(hangUp('the connection closed before a response'), 'ECONNRESET'));
  }

  /** Sends one request; `finish` gets its outcome. */
  exchange(head: string, body: Uint8Array, finish: (response: TransportResponse) => void): void {
    this._reader = new Http1ResponseReader();
    this._finish = finish;
    const socket = this._socket;
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body);
    socket.uncork();
  }

  /** Idle: it must not keep the process alive. */
  sleep(): Connection {
    this._socket.unref();
    return this;
  }

  /** Out of the idle list, for a request. */
  wake(): Connection {
    this._socket.ref();
    return this;
  }

  destroy(): void {
    this._socket.destroy();
  }

  private _read(bytes: Buffer): void {
    // Bytes with no request outstanding: the server is confused; the connection is not reused.
    if (this._reader === undefined) return this.destroy();
    this._outcome(this._reader.push(bytes));
  }

  private _outcome(outcome: ReadOutcome | undefined): void {
    const finish = this._finish;
    if (outcome === undefined || outcome.kind === 'more' || finish === undefined) return;
    this._reader = undefined;
    this._finish = undefined;
    if (outcome.kind === 'error') {
      finish(network(codedError(`invalid response: ${outcome.message}`, INVALID_RESPONSE_CODE), INVALID_RESPONSE_CODE));
      return this.destroy();
    }
    const { response, rest } = outcome;
    finish({ kind: 'response', status: response.status, body: response.body, headers: response.headers });
    if (response.keepAlive && rest.length === 0 && !this._gone) this._pool.release(this);
    else this.destroy();
  }

  private _lost(error: Error, code: string): void {
    const finish = this._finish;
    this._finish = undefined;
    this._reader = undefined;
    finish?.(network(error, code));
    if (this._gone) return;
    this._gone = true;
    this._socket.destroy();
    this._pool.closed(this);
  }
}

/** The request line and headers, or a network outcome naming a header node:http would refuse. */
function requestHead(request: TransportRequest): string | TransportResponse {
  const url = request.url;
  let host = url.host;
  let fields = '';
  for (const name in request.headers) {
    const value = request.headers[name];
    if (INVALID_HEADER_VALUE.test(value)) {
      return network(
        codedError(`invalid character in header ${JSON.stringify(name)}`, 'ERR_INVALID_CHAR'),
        'ERR_INVALID_CHAR'
      );
    }
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    else if (!OWN_HEADERS.has(lower)) fields += `${name}: ${value}\r\n`;
  }
  return (
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${host}\r\n${fields}` +
    `content-length: ${request.body.byteLength}\r\nconnection: keep-alive\r\n\r\n`
  );
}

function targetOf(url: URL): SocketTarget {
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { key: `${url.protocol}//${url.host}`, secure, hostname, port };
}

function network(error: Error, code: string): TransportResponse {
  return { kind: 'network', error, code };
}

/** A connection lost mid-exchange, worded and coded as node:http does ("socket hang up"). */
function hangUp(detail: string): Error {
  return codedError(`socket hang up: ${detail}`, 'ECONNRESET');
}
