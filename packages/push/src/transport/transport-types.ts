/**
 * The seam between the push client and the network: one request in, one outcome out. Every
 * runtime's transport (`HttpTransport` on node:http, `FetchTransport` on `fetch`) implements
 * it; nothing here imports a runtime module, so the client layer is the same everywhere.
 */

/** One request to send. */
export interface TransportRequest {
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMillis: number;
  signal?: AbortSignal;
}

/** Response headers, names in lower case (as node:http gives them). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What came back: an HTTP answer, or no answer. */
export type TransportResponse =
  | { kind: 'response'; status: number; body: string; headers: ResponseHeaders }
  | { kind: 'network'; error: Error; code?: string };

/** Sends one request; tests swap it for a fake. */
export interface PushTransport {
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): void;
}

/**
 * What HTTP (node:http, and fetch's `Headers`) refuses in a header value: control characters
 * but tab, and characters beyond Latin-1.
 */
export const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Longest response body read; the rest is discarded. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

/** The proxy answered 407 to `CONNECT`: its credentials are missing or wrong (not retried). */
export const PROXY_AUTHENTICATION_CODE = 'ERR_PROXY_AUTHENTICATION';
/** The proxy refused the tunnel with a 4xx that will not clear by itself (not retried). */
export const PROXY_TUNNEL_REFUSED_CODE = 'ERR_PROXY_TUNNEL_REFUSED';
/** The tunnel failed in a way worth retrying: 5xx (proxy cannot reach Loki), 408, 429, a hang-up. */
export const PROXY_TUNNEL_CODE = 'ERR_PROXY_TUNNEL';

/** `util.inspect`'s hook, by its registered name: no `node:util` import, so any runtime can load this. */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;
