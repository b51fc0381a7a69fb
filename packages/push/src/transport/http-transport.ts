/**
 * One HTTP POST to Loki over node:http/https with keep-alive, a per-request time limit and a
 * size cap on the response body. Outcomes are values; nothing here retries.
 */
import type { TlsSettings } from '../internal-types';
import { nodeTls } from './node-tls';
import * as http from 'node:http';
import * as https from 'node:https';
import { proxyRoute } from './proxy-agent';
import { watchRequest } from './request-limits';
import type { ProxyConnectionOptions, ProxyRoute } from './proxy-agent';
import type { ResolvedProxy } from './proxy-settings';
import { INSPECT_CUSTOM, MAX_RESPONSE_BODY_BYTES } from './transport-types';
import type { PushTransport, TransportRequest, TransportResponse } from './transport-types';

export { MAX_RESPONSE_BODY_BYTES };
export type { PushTransport, TransportRequest, TransportResponse };

/** Sockets kept per host by the default agent. */
const MAX_SOCKETS = 16;

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  agent?: http.Agent;
  /** TLS options of the own https agent (applied to Loki, also through a proxy tunnel). */
  tls?: TlsSettings;
  /** The proxy to go through (ignored with `agent`). */
  proxy?: ResolvedProxy;
  /** Test seam: how to reach an `https:` proxy. */
  proxyConnection?: ProxyConnectionOptions;
}

/** The node:http(s) transport with a keep-alive agent of its own unless one is given. */
export class HttpTransport implements PushTransport {
  private readonly _agent?: http.Agent;
  private readonly _ownHttpAgent: http.Agent;
  private readonly _ownHttpsAgent: https.Agent;
  /** Through the proxy, per target protocol; only without a custom agent. */
  private readonly _routes?: { http: ProxyRoute; https: ProxyRoute };

  constructor(options: HttpTransportOptions = {}) {
    this._agent = options.agent;
    const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
    const tls = options.tls ?? {};
    this._ownHttpAgent = new http.Agent(agentOptions);
    this._ownHttpsAgent = new https.Agent({ ...agentOptions, ...nodeTls(tls) });
    if (options.proxy !== undefined && options.agent === undefined) {
      const { proxy, proxyConnection } = options;
      this._routes = {
        http: proxyRoute(proxy, new URL('http://target'), agentOptions, tls, proxyConnection),
        https: proxyRoute(proxy, new URL('https://target'), agentOptions, tls, proxyConnection),
      };
    }
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve) => {
      const isHttps = request.url.protocol === 'https:';
      const route = this._routes?.[isHttps ? 'https' : 'http'];
      const agent = this._agent ?? route?.agent ?? (isHttps ? this._ownHttpsAgent : this._ownHttpAgent);
      let settled = false;
      // Replaced once watching starts; a signal aborted before that settles with nothing to end.
      let unwatch = (): void => undefined;
      const finish = (response: TransportResponse): void => {
        if (settled) return;
        settled = true;
        unwatch();
        resolve(response);
      };
      const fail = (error: Error): void =>
        finish({ kind: 'network', error, code: (error as NodeJS.ErrnoException).code });

      const req = (isHttps ? https : http).request(request.url, {
        method: 'POST',
        agent,
        ...(route === undefined ? {} : { path: route.path(request.url) }),
        headers: {
          ...request.headers,
          ...route?.headers(),
          'content-length': String(request.body.byteLength),
        },
      });
      unwatch = watchRequest(request, (error) => {
        fail(error);
        req.destroy(error);
      });
      if (settled) return;

      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < MAX_RESPONSE_BODY_BYTES) {
            const part = chunk.subarray(0, MAX_RESPONSE_BODY_BYTES - kept);
            chunks.push(part);
            kept += part.length;
          }
        });
        res.on('error', fail);
        res.on('end', () =>
          finish({
            kind: 'response',
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          })
        );
      });
      req.end(request.body);
    });
  }

  close(): void {
    this._ownHttpAgent.destroy();
    this._ownHttpsAgent.destroy();
    this._routes?.http.agent.destroy();
    this._routes?.https.agent.destroy();
  }

  /** The agents hold the TLS private key and the proxy's credentials: print nothing of them. */
  [INSPECT_CUSTOM](): string {
    const agent = this._agent ? 'custom' : this._routes ? `proxy ${this._routes.http.proxyUrl.origin}` : 'keep-alive';
    return `HttpTransport { agent: ${agent} }`;
  }
}
