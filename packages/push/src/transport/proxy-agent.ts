/**
 * Agents that reach Loki through an HTTP proxy, without a dependency: an http target is
 * forwarded (the request goes to the proxy in absolute form, RFC 9112 §3.2.2), an https target
 * is tunnelled (`CONNECT host:port` to the proxy, then TLS to Loki over the tunnel with the
 * client's `ca`/`cert`/`key`, RFC 9110 §9.3.6). The connection to the proxy itself is TCP, or
 * TLS verified against the system CAs for an `https:` proxy URL. Both agents keep connections
 * (and tunnels) alive like the direct ones.
 */
import type { ClientRequestArgs } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { TlsSettings } from '../internal-types';
import { nodeTls } from './node-tls';
import type { NodeTlsOptions } from './node-tls';
import type { ResolvedProxy } from './proxy-settings';

/** Longest wait for the proxy to answer a `CONNECT`; the request's own limit usually fires first. */
const TUNNEL_TIMEOUT_MILLIS = 30_000;

import { PROXY_AUTHENTICATION_CODE, PROXY_TUNNEL_CODE, PROXY_TUNNEL_REFUSED_CODE } from './transport-types';

export { PROXY_AUTHENTICATION_CODE, PROXY_TUNNEL_CODE, PROXY_TUNNEL_REFUSED_CODE };

/** Test seam: TLS options of the connection to an `https:` proxy (the system CAs otherwise). */
export interface ProxyConnectionOptions {
  proxyTls?: tls.ConnectionOptions;
}

/** How requests of one transport go through a proxy. */
export interface ProxyRoute {
  agent: http.Agent;
  /** The request target to send: absolute form when forwarding, origin form in a tunnel. */
  path(url: URL): string;
  /** Headers for the proxy on each request (`Proxy-Authorization` when forwarding). */
  headers(): Record<string, string>;
  /** The proxy without credentials, for messages. */
  readonly proxyUrl: URL;
}

/** The route for `target`'s protocol through `proxy`. */
export function proxyRoute(
  proxy: ResolvedProxy,
  target: URL,
  agentOptions: http.AgentOptions,
  tlsSettings: TlsSettings,
  connection: ProxyConnectionOptions = {}
): ProxyRoute {
  if (target.protocol === 'https:') {
    const agent = new TunnelingAgent(proxy, agentOptions, nodeTls(tlsSettings), connection);
    return { agent, path: (url) => url.pathname + url.search, headers: () => ({}), proxyUrl: proxy.url };
  }
  const agent = new ForwardingAgent(proxy, agentOptions, connection);
  const authorization = proxy.authorization;
  return {
    agent,
    path: (url) => url.href,
    headers: (): Record<string, string> =>
      authorization === undefined ? {} : { 'proxy-authorization': authorization.reveal() },
    proxyUrl: proxy.url,
  };
}

/** Opens a TCP (or, for an `https:` proxy, TLS) connection to the proxy. */
function connectToProxy(proxy: ResolvedProxy, connection: ProxyConnectionOptions): Socket {
  const host = proxy.url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (proxy.url.protocol === 'https:') {
    const port = proxy.url.port === '' ? 443 : Number(proxy.url.port);
    return tls.connect({ host, port, servername: isIP(host) === 0 ? host : undefined, ...connection.proxyTls });
  }
  return net.connect({ host, port: proxy.url.port === '' ? 80 : Number(proxy.url.port) });
}

/** An http.Agent whose connections all go to the proxy (the requests carry absolute URLs). */
class ForwardingAgent extends http.Agent {
  constructor(
    private readonly _proxy: ResolvedProxy,
    options: http.AgentOptions,
    private readonly _connection: ProxyConnectionOptions
  ) {
    super(options);
  }

  override createConnection(): Duplex {
    return connectToProxy(this._proxy, this._connection);
  }
}

/** An https.Agent whose connections are TLS to Loki inside a `CONNECT` tunnel through the proxy. */
class TunnelingAgent extends https.Agent {
  /** CONNECT requests still waiting for the proxy: ended by destroy(), so close() leaves nothing open. */
  private readonly _opening = new Set<http.ClientRequest>();

  constructor(
    private readonly _proxy: ResolvedProxy,
    options: http.AgentOptions,
    private readonly _tls: NodeTlsOptions,
    private readonly _connection: ProxyConnectionOptions
  ) {
    super({ ...options, ..._tls });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void
  ): Duplex | null | undefined {
    const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port ?? 443);
    const servername = (options as tls.ConnectionOptions).servername ?? (isIP(host) === 0 ? host : undefined);
    openTunnel(this._proxy, this._connection, host, port, this._opening).then(
      (socket) => callback?.(null, tls.connect({ ...this._tls, socket, servername })),
      (error: Error) => callback?.(error, undefined as unknown as Duplex)
    );
    return undefined;
  }

  override destroy(): void {
    for (const request of this._opening) request.destroy(tunnelError(PROXY_TUNNEL_CODE, 'the client was closed'));
    super.destroy();
  }
}

/** Sends `CONNECT host:port` to the proxy; resolves with the raw socket once it answers 200. */
function openTunnel(
  proxy: ResolvedProxy,
  connection: ProxyConnectionOptions,
  host: string,
  port: number,
  opening: Set<http.ClientRequest>
): Promise<Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.authorization !== undefined) headers['proxy-authorization'] = proxy.authorization.reveal();
  return new Promise((resolve, reject) => {
    const request = http.request({
      method: 'CONNECT',
      path: authority,
      headers,
      createConnection: () => connectToProxy(proxy, connection),
    });
    request.setTimeout(TUNNEL_TIMEOUT_MILLIS, () =>
      request.destroy(tunnelError(PROXY_TUNNEL_CODE, `${describeProxy(proxy)} did not answer CONNECT ${authority}`))
    );
    opening.add(request);
    request.once('close', () => opening.delete(request));
    request.once('error', reject);
    request.once('connect', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      opening.delete(request);
      const status = response.statusCode ?? 0;
      if (status === 200) {
        request.removeListener('error', reject);
        // The wait for the answer is over; the tunnel lives as long as the agent keeps it.
        socket.setTimeout(0);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(refusal(proxy, authority, status, response.statusMessage ?? ''));
    });
    request.end();
  });
}

function refusal(proxy: ResolvedProxy, authority: string, status: number, statusText: string): Error {
  const answered = `${describeProxy(proxy)} answered ${status}${statusText ? ` ${statusText}` : ''} to CONNECT ${authority}`;
  if (status === 407) {
    const what =
      proxy.authorization === undefined
        ? 'it requires credentials: put them in the proxy URL (http://user:password@proxy:port)'
        : 'it refused the credentials of the proxy URL';
    return tunnelError(PROXY_AUTHENTICATION_CODE, `${answered}: ${what}`);
  }
  const retryable = status >= 500 || status === 408 || status === 429;
  return tunnelError(retryable ? PROXY_TUNNEL_CODE : PROXY_TUNNEL_REFUSED_CODE, answered);
}

function tunnelError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** `the proxy http://host:port` without credentials, path or source. */
function describeProxy(proxy: ResolvedProxy): string {
  return `the proxy ${proxy.url.origin}`;
}
