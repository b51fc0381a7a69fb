/**
 * An incremental reader of one HTTP/1.1 response (RFC 9112) for the socket transport: status
 * line and headers, then a body framed by `Content-Length`, by chunked transfer coding, or by
 * the end of the connection. It keeps at most {@link MAX_RESPONSE_BODY_BYTES} of the body and
 * reads past the rest, so the connection stays usable whatever the body's size. Interim
 * answers (1xx) are skipped. Anything malformed is an error with a code; never a guess.
 * Node only (node:buffer decodes the Latin-1 head).
 */
import { Buffer } from 'node:buffer';
import { MAX_RESPONSE_BODY_BYTES } from './transport-types';
import type { ResponseHeaders } from './transport-types';

/** Longest status line and headers accepted (Node's default `maxHeaderSize`). */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size line (with extensions) of a chunked body. */
const MAX_CHUNK_LINE_BYTES = 1024;

/** The code of a response this reader refuses (retryable, as node:http's `HPE_*` errors are). */
export const INVALID_RESPONSE_CODE = 'ERR_INVALID_HTTP_RESPONSE';

/** A complete response. */
export interface Http1Response {
  status: number;
  headers: ResponseHeaders;
  /** UTF-8 text of the body's first {@link MAX_RESPONSE_BODY_BYTES} bytes. */
  body: string;
  /** Whether the connection may carry the next request. */
  keepAlive: boolean;
}

/** What {@link Http1ResponseReader.push} found. */
export type ReadOutcome =
  { kind: 'more' } | { kind: 'done'; response: Http1Response; rest: Uint8Array } | { kind: 'error'; message: string };

const CR = 0x0d;
const LF = 0x0a;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/;

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/** One step of reading: go on with the rest, wait for more, or an outcome. */
type Step = { kind: 'continue'; rest: Uint8Array } | ReadOutcome;

type Line = { kind: 'line'; text: string; rest: Uint8Array } | { kind: 'more' } | { kind: 'error'; message: string };

type State =
  | { kind: 'head' }
  | { kind: 'body'; framing: Framing }
  /** Inside a chunked body: reading a size line, `left` bytes of data, its CRLF, or trailers. */
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' };

/** Reads one response from the bytes of a connection, as they come. */
export class Http1ResponseReader {
  private _state: State = { kind: 'head' };
  /** Bytes not consumed yet (an incomplete line, or the head so far). */
  private _pending: Uint8Array = new Uint8Array(0);
  private _status = 0;
  private _headers: Record<string, string | string[]> = {};
  private _keepAlive = true;
  private readonly _kept: Uint8Array[] = [];
  private _keptBytes = 0;
  private _failed: string | undefined;

  /** Feeds the next bytes of the connection. */
  push(bytes: Uint8Array): ReadOutcome {
    if (this._failed !== undefined) return { kind: 'error', message: this._failed };
    let data = this._pending.length === 0 ? bytes : concat(this._pending, bytes);
    this._pending = new Uint8Array(0);
    // Bounded: every pass consumes bytes or returns.
    for (;;) {
      const step = this._step(data);
      if (step.kind !== 'continue') return step.kind === 'error' ? this._fail(step.message) : step;
      data = step.rest;
    }
  }

  /**
   * The connection ended (the peer closed it). A body framed by the end of the connection is
   * complete now; anything else is cut short.
   */
  end(): ReadOutcome {
    const state = this._state;
    if (this._failed === undefined && state.kind === 'body' && state.framing.kind === 'close') {
      return { kind: 'done', response: this._response(false), rest: new Uint8Array(0) };
    }
    return this._fail(
      state.kind === 'head' && this._pending.length === 0
        ? 'the connection closed before a response'
        : 'the connection closed in the middle of the response'
    );
  }

  private _fail(message: string): ReadOutcome {
    this._failed ??= message;
    return { kind: 'error', message: this._failed };
  }

  private _step(data: Uint8Array): Step {
    const state = this._state;
    switch (state.kind) {
      case 'head':
        return this._head(data);
      case 'body':
        return this._body(state.framing, data);
      case 'chunk-size': {
        const line = this._line(data, MAX_CHUNK_LINE_BYTES, 'chunk size line');
        if (line.kind !== 'line') return line;
        const match = CHUNK_SIZE.exec(line.text);
        if (match === null) return { kind: 'error', message: `invalid chunk size line ${JSON.stringify(line.text)}` };
        const size = parseInt(match[1], 16);
        this._state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
        return { kind: 'continue', rest: line.rest };
      }
      case 'chunk-data': {
        const take = Math.min(state.left, data.length);
        this._keep(data.subarray(0, take));
        state.left -= take;
        if (state.left > 0) return { kind: 'more' };
        this._state = { kind: 'chunk-end' };
        return { kind: 'continue', rest: data.subarray(take) };
      }
      case 'chunk-end': {
        const line = this._line(data, 2, 'chunk end');
        if (line.kind !== 'line') return line;
        if (line.text !== '') return { kind: 'error', message: 'chunk data longer than its size' };
        this._state = { kind: 'chunk-size' };
        return { kind: 'continue', rest: line.rest };
      }
      case 'trailers': {
        // Trailer fields are read past (nothing here needs them); an empty line ends them.
        const line = this._line(data, MAX_RESPONSE_HEAD_BYTES, 'trailer');
        if (line.kind !== 'line') return line;
        if (line.text !== '') return { kind: 'continue', rest: line.rest };
        return { kind: 'done', response: this._response(this._keepAlive), rest: line.rest };
      }
    }
  }

  /** One CRLF-terminated line (a bare LF is accepted, as node:http does), or `more`. */
  private _line(data: Uint8Array, limit: number, what: string): Line {
    const lf = data.indexOf(LF);
    if (lf < 0) {
      if (data.length > limit) return { kind: 'error', message: `${what} longer than ${limit} bytes` };
      this._pending = data.slice();
      return { kind: 'more' };
    }
    const end = lf > 0 && data[lf - 1] === CR ? lf - 1 : lf;
    if (end > limit) return { kind: 'error', message: `${what} longer than ${limit} bytes` };
    return { kind: 'line', text: latin1(data.subarray(0, end)), rest: data.subarray(lf + 1) };
  }

  private _head(data: Uint8Array): Step {
    const end = headEnd(data);
    if (end === undefined) {
      if (data.length > MAX_RESPONSE_HEAD_BYTES) {
        return { kind: 'error', message: `response headers longer than ${MAX_RESPONSE_HEAD_BYTES} bytes` };
      }
      this._pending = data.slice();
      return { kind: 'more' };
    }
    if (end.head > MAX_RESPONSE_HEAD_BYTES) {
      return { kind: 'error', message: `response headers longer than ${MAX_RESPONSE_HEAD_BYTES} bytes` };
    }
    const lines = latin1(data.subarray(0, end.head)).split(/\r?\n/);
    const status = STATUS_LINE.exec(lines[0]);
    if (status === null)
      return { kind: 'error', message: `invalid status line ${JSON.stringify(lines[0].slice(0, 80))}` };
    const code = Number(status[2]);
    const headers: Record<string, string | string[]> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      // Obsolete line folding and names with spaces are refused (RFC 9112 §5.2, §5.1).
      if (!TOKEN.test(name))
        return { kind: 'error', message: `invalid header line ${JSON.stringify(line.slice(0, 80))}` };
      addHeader(headers, name.toLowerCase(), line.slice(colon + 1).trim());
    }
    const rest = data.subarray(end.body);
    if (code >= 100 && code < 200) {
      // An interim answer (100 Continue, 103 Early Hints); 101 would switch protocols: refused.
      if (code === 101) return { kind: 'error', message: 'unexpected 101 Switching Protocols' };
      return { kind: 'continue', rest };
    }
    const framing = framingOf(code, headers);
    if (typeof framing === 'string') return { kind: 'error', message: framing };
    this._status = code;
    this._headers = headers;
    this._keepAlive = keepAliveOf(status[1] === '1', headers) && framing.kind !== 'close';
    this._state = framing.kind === 'chunked' ? { kind: 'chunk-size' } : { kind: 'body', framing };
    return { kind: 'continue', rest };
  }

  private _body(framing: Framing, data: Uint8Array): Step {
    if (framing.kind === 'close') {
      this._keep(data);
      return { kind: 'more' };
    }
    const length = framing as { kind: 'length'; left: number };
    const take = Math.min(length.left, data.length);
    this._keep(data.subarray(0, take));
    length.left -= take;
    if (length.left > 0) return { kind: 'more' };
    return { kind: 'done', response: this._response(this._keepAlive), rest: data.subarray(take) };
  }

  private _keep(bytes: Uint8Array): void {
    const room = MAX_RESPONSE_BODY_BYTES - this._keptBytes;
    if (room <= 0 || bytes.length === 0) return;
    // Copied: the connection's buffer is not ours to hold.
    const part = bytes.slice(0, room);
    this._kept.push(part);
    this._keptBytes += part.length;
  }

  private _response(keepAlive: boolean): Http1Response {
    const body = this._kept.length === 0 ? '' : new TextDecoder().decode(concatAll(this._kept, this._keptBytes));
    return { status: this._status, headers: this._headers, body, keepAlive };
  }
}

/**
 * Where the head ends (before the line break of its last line) and the body starts: at the
 * first empty line; `undefined` until it has come.
 */
function headEnd(data: Uint8Array): { head: number; body: number } | undefined {
  // Bounded by data.length: each pass moves past one LF.
  for (let lf = data.indexOf(LF); lf >= 0; lf = data.indexOf(LF, lf + 1)) {
    const head = lf > 0 && data[lf - 1] === CR ? lf - 1 : lf;
    if (data[lf + 1] === LF) return { head, body: lf + 2 };
    if (data[lf + 1] === CR && data[lf + 2] === LF) return { head, body: lf + 3 };
  }
  return undefined;
}

function addHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (Array.isArray(previous)) previous.push(value);
  else headers[name] = `${previous}, ${value}`;
}

/** How the body is delimited (RFC 9112 §6.3), or why the response is refused. */
function framingOf(status: number, headers: Record<string, string | string[]>): Framing | string {
  if (status === 204 || status === 304) return { kind: 'length', left: 0 };
  const transferEncoding = headers['transfer-encoding'];
  if (typeof transferEncoding === 'string') {
    const codings = transferEncoding.toLowerCase().split(',');
    // Chunked must come last; any other coding is delimited by the end of the connection.
    return codings[codings.length - 1].trim() === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const contentLength = headers['content-length'];
  if (typeof contentLength === 'string') {
    const values = new Set(contentLength.split(',').map((v) => v.trim()));
    const [value] = values;
    if (values.size !== 1 || !/^\d{1,15}$/.test(value))
      return `invalid content-length ${JSON.stringify(contentLength)}`;
    return { kind: 'length', left: Number(value) };
  }
  return { kind: 'close' };
}

function keepAliveOf(http11: boolean, headers: Record<string, string | string[]>): boolean {
  const connection = headers.connection;
  const tokens =
    typeof connection === 'string'
      ? connection
          .toLowerCase()
          .split(',')
          .map((t) => t.trim())
      : [];
  if (tokens.includes('close')) return false;
  return http11 || tokens.includes('keep-alive');
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function concatAll(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
