/**
 * Sending from code that cannot wait for the event loop: an `'exit'` handler, where Node runs
 * only synchronous code. The requests go to a worker thread started for the call, which
 * posts them over node:http/https one after the other; the calling thread blocks in
 * `Atomics.wait` until the worker is done or the time limit passes. Nothing is retried (there
 * is no time for backoff at exit), a custom `agent` is not used (it cannot cross threads), and
 * the worker is unref'd and abandoned when the limit passes, so the caller never waits longer.
 *
 * The worker's code is a string evaluated in the worker, so that bundlers and single-file
 * builds carry it with this module; it is the minimal twin of `HttpTransport.send`.
 */
import { Worker } from 'node:worker_threads';
import type { TlsSettings } from '../internal-types';
import { MAX_RESPONSE_BODY_BYTES } from './http-transport';

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
const { requests, deadline, tls, maxBody, control, details } = workerData;
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
  const options = { method: 'POST', agent: false, headers: { ...request.headers, 'content-length': String(request.body.byteLength) } };
  const req = (url.protocol === 'https:' ? https.request(url, { ...options, ...tls }) : http.request(url, options));
  const timer = setTimeout(() => {
    req.destroy();
    done(${NETWORK_ERROR}, { code: 'ETIMEDOUT', message: 'no answer within ' + remaining + ' ms' });
  }, remaining);
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
  tls: TlsSettings = {}
): SyncOutcome[] {
  if (requests.length === 0) return [];
  const deadline = Date.now() + timeoutMillis;
  const control = new SharedArrayBuffer(4 * (requests.length + 1));
  const details = new SharedArrayBuffer(DETAILS_BYTES);
  const status = new Int32Array(control);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { requests, deadline, tls, maxBody: MAX_RESPONSE_BODY_BYTES, control, details },
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
