/**
 * Sending from code that cannot wait for the event loop: an `'exit'` handler, where Node runs
 * only synchronous code. The requests go to a worker thread started for the call, which
 * posts them over node:http/https one after the other; the calling thread blocks in
 * `Atomics.wait` until the worker is done or the time limit passes. Nothing is retried (there
 * is no time for backoff at exit), a custom `agent` is not used (it cannot cross threads), and
 * the worker is unref'd and abandoned when the limit passes, so the caller never waits longer.
 * A proxy is used as by `HttpTransport` (forwarding for http, a `CONNECT` tunnel for https,
 * without keep-alive); its URL and `Proxy-Authorization` reach the worker in `workerData`
 * only, never in its argv or environment.
 *
 * The worker's code is a string evaluated in the worker, so that bundlers and single-file
 * builds carry it with this module; it is the minimal twin of `HttpTransport.send`.
 */
import { Worker } from 'node:worker_threads';
import type { TlsSettings } from '../internal-types';
import {
  MAX_RESPONSE_BODY_BYTES,
  PROXY_AUTHENTICATION_CODE,
  PROXY_TUNNEL_CODE,
  PROXY_TUNNEL_REFUSED_CODE,
} from './transport-types';
import type { ResolvedProxy } from './proxy-settings';

/** One request of a synchronous send. */
export interface SyncRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** What came of one request: an answer, no answer, or no attempt before the time ran out. */
export type SyncOutcome =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'network'; code?: string; message: string }
  | { kind: 'unsent' };

/** Slot states of the shared status array (an HTTP status is written as itself). */
const PENDING = 0;
const NETWORK_ERROR = -1;
/** Room for the details (bodies, error messages) the worker writes back as JSON. */
const DETAILS_BYTES = 256 * 1024;

const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const tlsModule = require('node:tls');
const { requests, deadline, tls, proxy, maxBody, control, details } = workerData;
const status = new Int32Array(control);
const detailBytes = new Uint8Array(details);
const found = [];
function finish() {
  const text = Buffer.from(JSON.stringify(found));
  if (text.length <= detailBytes.length - 4) {
    new DataView(details).setUint32(0, text.length);
    detailBytes.set(text, 4);
  }
  Atomics.store(status, 0, 1);
  Atomics.notify(status, 0);
}
const unbracket = (host) => host.replace(/^\\[(.*)\\]$/, '$1');
function connectToProxy() {
  const url = new URL(proxy.url);
  const host = unbracket(url.hostname);
  if (url.protocol === 'https:') {
    return tlsModule.connect({ host, port: Number(url.port) || 443, servername: net.isIP(host) ? undefined : host });
  }
  return net.connect({ host, port: Number(url.port) || 80 });
}
const proxyHeaders = proxy && proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {};
function tunnelError(status, authority) {
  const error = new Error('the proxy ' + proxy.url + ' answered ' + status + ' to CONNECT ' + authority);
  error.code = status === 407 ? '${PROXY_AUTHENTICATION_CODE}'
    : status >= 500 || status === 408 || status === 429 ? '${PROXY_TUNNEL_CODE}' : '${PROXY_TUNNEL_REFUSED_CODE}';
  return error;
}
// Calls back with the request to send (direct, forwarded, or in a tunnel), or an error.
function open(url, options, pending, callback) {
  if (!proxy) {
    const direct = { ...options, agent: false };
    return callback(null, url.protocol === 'https:' ? https.request(url, { ...direct, ...tls }) : http.request(url, direct));
  }
  if (url.protocol === 'http:') {
    const headers = { ...options.headers, ...proxyHeaders };
    return callback(null, http.request(url, { ...options, headers, path: url.href, createConnection: connectToProxy }));
  }
  const host = unbracket(url.hostname);
  const authority = (net.isIP(host) === 6 ? '[' + host + ']' : host) + ':' + (Number(url.port) || 443);
  const connect = http.request({ method: 'CONNECT', path: authority, headers: { host: authority, ...proxyHeaders }, createConnection: connectToProxy });
  pending.connect = connect;
  connect.on('error', (error) => callback(error));
  connect.on('connect', (res, socket, head) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      return callback(tunnelError(res.statusCode, authority));
    }
    if (head.length > 0) socket.unshift(head);
    const servername = net.isIP(host) ? undefined : host;
    const createConnection = () => tlsModule.connect({ ...tls, socket, servername });
    callback(null, https.request(url, { ...options, createConnection }));
  });
  connect.end();
}
function send(i) {
  if (i >= requests.length) return finish();
  const request = requests[i];
  const remaining = deadline - Date.now();
  if (remaining <= 0) return finish();
  let settled = false;
  const done = (code, detail) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    found[i] = detail;
    Atomics.store(status, i + 1, code);
    send(i + 1);
  };
  const url = new URL(request.url);
  const options = { method: 'POST', headers: { ...request.headers, 'content-length': String(request.body.byteLength) } };
  const pending = {};
  const timer = setTimeout(() => {
    if (pending.req) pending.req.destroy();
    if (pending.connect) pending.connect.destroy();
    done(${NETWORK_ERROR}, { code: 'ETIMEDOUT', message: 'no answer within ' + remaining + ' ms' });
  }, remaining);
  const failed = (error) => done(${NETWORK_ERROR}, { code: error.code, message: error.message });
  open(url, options, pending, (error, req) => {
    if (settled || pending.req) return req && req.destroy();
    if (error) return failed(error);
    pending.req = req;
    sendOn(req, request, done);
  });
}
function sendOn(req, request, done) {
  req.on('error', (error) => done(${NETWORK_ERROR}, { code: error.code, message: error.message }));
  req.on('response', (res) => {
    const chunks = [];
    let kept = 0;
    res.on('data', (chunk) => {
      if (kept < maxBody) {
        const part = chunk.subarray(0, maxBody - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    res.on('error', (error) => done(${NETWORK_ERROR}, { code: error.code, message: error.message }));
    res.on('end', () => done(res.statusCode || ${NETWORK_ERROR}, { body: Buffer.concat(chunks).toString('utf8') }));
  });
  req.end(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
}
send(0);
`;

/**
 * Sends `requests` in order and blocks the calling thread until all are answered or
 * `timeoutMillis` has passed; never throws for network problems (they are outcomes).
 */
export function sendSync(
  requests: readonly SyncRequest[],
  timeoutMillis: number,
  tls: TlsSettings = {},
  proxy?: ResolvedProxy
): SyncOutcome[] {
  if (requests.length === 0) return [];
  const deadline = Date.now() + timeoutMillis;
  const control = new SharedArrayBuffer(4 * (requests.length + 1));
  const details = new SharedArrayBuffer(DETAILS_BYTES);
  const status = new Int32Array(control);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      requests,
      deadline,
      tls,
      // Only in workerData: never in the worker's argv or environment.
      proxy: proxy && { url: proxy.url.origin, authorization: proxy.authorization?.reveal() },
      maxBody: MAX_RESPONSE_BODY_BYTES,
      control,
      details,
    },
    // The worker must not load the app's preloads (the register entry would start again).
    execArgv: [],
    env: {},
    stdout: true,
    stderr: true,
  });
  worker.unref();
  worker.on('error', () => undefined);
  // Bounded by the deadline: each pass waits for the worker's signal or the time left.
  for (;;) {
    const left = deadline - Date.now();
    if (Atomics.load(status, 0) === 1 || left <= 0) break;
    Atomics.wait(status, 0, 0, left);
  }
  const finished = Atomics.load(status, 0) === 1;
  const found = finished ? readDetails(details) : [];
  if (!finished) void worker.terminate().catch(() => undefined);
  return requests.map((_, i): SyncOutcome => {
    const code = Atomics.load(status, i + 1);
    const detail = (found[i] ?? {}) as { body?: string; code?: string; message?: string };
    if (code === PENDING) return { kind: 'unsent' };
    if (code === NETWORK_ERROR)
      return { kind: 'network', code: detail.code, message: detail.message ?? 'network error' };
    return { kind: 'response', status: code, body: detail.body ?? '' };
  });
}

function readDetails(details: SharedArrayBuffer): unknown[] {
  const length = new DataView(details).getUint32(0);
  if (length === 0) return [];
  try {
    return JSON.parse(Buffer.from(details, 4, length).toString('utf8')) as unknown[];
  } catch {
    return [];
  }
}
