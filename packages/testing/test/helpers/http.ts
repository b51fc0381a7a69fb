/** Test helpers: raw pushes and queries against a LokiTestServer, over real loopback HTTP. */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { encodePushRequest, snappyCompress } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';

/** Nanoseconds since the epoch, now. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export const SECOND_NS = 1_000_000_000n;
export const MINUTE_NS = 60n * SECOND_NS;
export const HOUR_NS = 60n * MINUTE_NS;
export const DAY_NS = 24n * HOUR_NS;

export interface Answer {
  status: number;
  /** Body without Go's trailing newline. */
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** Sends a raw request with node:http (so that headers such as Content-Type can be left out). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').replace(/\n$/, ''),
            headers: res.headers,
          })
        );
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Pushes a raw body to `/loki/api/v1/push` (or `path`). */
export function pushRaw(
  baseUrl: string,
  body: Buffer | string,
  headers: Record<string, string>,
  path = '/loki/api/v1/push'
): Promise<Answer> {
  return request(baseUrl + path, { method: 'POST', headers, body });
}

/** Pushes streams as snappy protobuf, optionally for a tenant. */
export function pushProto(
  baseUrl: string,
  streams: PushStream[],
  tenant?: string,
  extra: Record<string, string> = {}
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', ...extra };
  if (tenant !== undefined) headers['x-scope-orgid'] = tenant;
  return pushRaw(baseUrl, Buffer.from(snappyCompress(encodePushRequest(streams))), headers);
}

/** Pushes a JSON body (object or text), optionally for a tenant. */
export function pushJson(
  baseUrl: string,
  body: unknown,
  tenant?: string,
  extra: Record<string, string> = {}
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
  if (tenant !== undefined) headers['x-scope-orgid'] = tenant;
  return pushRaw(baseUrl, typeof body === 'string' ? body : JSON.stringify(body), headers);
}

/** One entry `[ns, line]` in Loki's JSON form. */
export function jsonStream(
  labels: Record<string, string>,
  values: Array<[bigint, string, Record<string, string>?]>
): unknown {
  return {
    stream: labels,
    values: values.map(([ts, line, meta]) => (meta ? [ts.toString(), line, meta] : [ts.toString(), line])),
  };
}

/** GETs a read endpoint and parses the JSON answer. */
export async function getJson(
  baseUrl: string,
  path: string,
  params: Record<string, string> = {},
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string; json: any }> {
  const query = new URLSearchParams(params).toString();
  const answer = await request(`${baseUrl}${path}${query ? '?' + query : ''}`, { headers });
  let json: any;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  return { status: answer.status, body: answer.body, json };
}

/** Queries `query_range` over the last `sinceHours` hours (forward). */
export function queryRange(
  baseUrl: string,
  query: string,
  tenant?: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string; json: any }> {
  const h = { ...headers };
  if (tenant !== undefined) h['x-scope-orgid'] = tenant;
  const end = (nowNs() + 10n * MINUTE_NS).toString();
  const start = (nowNs() - 8n * DAY_NS).toString();
  return getJson(
    baseUrl,
    '/loki/api/v1/query_range',
    { query, start, end, limit: '5000', direction: 'forward', ...extra },
    h
  );
}

export function gzip(data: Buffer | string): Buffer {
  return zlib.gzipSync(data);
}
