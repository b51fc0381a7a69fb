/**
 * A loopback HTTP proxy (port 0) for tests: forwards absolute-form requests and opens CONNECT
 * tunnels, records what it saw, and can demand credentials (407) or refuse tunnels.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request the proxy received. */
export interface ProxiedRequest {
  method: string;
  /** The request target: an absolute URL when forwarding, `host:port` for CONNECT. */
  target: string;
  proxyAuthorization?: string;
  /** The proxy's TCP connection it came on (tells kept-alive connections apart). */
  remotePort: number;
}

export interface LoopbackProxyOptions {
  /** `Proxy-Authorization` value required; others get 407. */
  requireAuthorization?: string;
  /** Answer every CONNECT with this status instead of opening the tunnel. */
  connectStatus?: number;
  /** Never answer a CONNECT (the socket stays open until the client gives up). */
  connectHang?: boolean;
  /** Serve TLS (an `https:` proxy) with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
}

export class LoopbackProxy {
  readonly requests: ProxiedRequest[] = [];
  /** Resolves when the client closes a CONNECT the proxy never answered. */
  readonly hungConnectClosed: Promise<void>;
  private _onHungConnectClosed: () => void = () => undefined;
  private readonly _sockets = new Set<net.Socket>();

  private constructor(
    private readonly _server: http.Server,
    private readonly _options: LoopbackProxyOptions
  ) {
    this.hungConnectClosed = new Promise((resolve) => (this._onHungConnectClosed = resolve));
  }

  static async start(options: LoopbackProxyOptions = {}): Promise<LoopbackProxy> {
    const server = options.tls === undefined ? http.createServer() : https.createServer(options.tls);
    const proxy = new LoopbackProxy(server, options);
    server.on(options.tls === undefined ? 'connection' : 'secureConnection', (socket: net.Socket) => {
      proxy._sockets.add(socket);
      socket.on('close', () => proxy._sockets.delete(socket));
    });
    server.on('request', (req, res) => proxy._forward(req, res));
    server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      proxy._tunnel(req, socket, head)
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `${this._scheme}://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
  }

  /** URL with credentials in it. */
  urlWith(user: string, password: string): string {
    return `${this._scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${
      (this._server.address() as AddressInfo).port
    }`;
  }

  private get _scheme(): string {
    return this._options.tls === undefined ? 'http' : 'https';
  }

  private _record(req: http.IncomingMessage): boolean {
    const proxyAuthorization = req.headers['proxy-authorization'];
    this.requests.push({
      method: req.method ?? '',
      target: req.url ?? '',
      proxyAuthorization,
      remotePort: req.socket.remotePort ?? 0,
    });
    const required = this._options.requireAuthorization;
    return required === undefined || proxyAuthorization === required;
  }

  private _forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this._record(req)) {
      req.resume();
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }

  private _tunnel(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    if (!this._record(req)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    if (this._options.connectHang === true) {
      // The client's FIN shows as 'end' (the socket may be half-open); read to see it.
      socket.once('end', () => this._onHungConnectClosed());
      socket.once('close', () => this._onHungConnectClosed());
      socket.resume();
      return;
    }
    if (this._options.connectStatus !== undefined) {
      socket.end(`HTTP/1.1 ${this._options.connectStatus} ${http.STATUS_CODES[this._options.connectStatus]}\r\n\r\n`);
      return;
    }
    const [host, port] = splitAuthority(req.url ?? '');
    const upstream = net.connect({ host, port }, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    this._sockets.add(upstream);
    upstream.on('close', () => this._sockets.delete(upstream));
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('error', () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const socket of this._sockets) socket.destroy();
    await new Promise<void>((resolve) => this._server.close(() => resolve()));
  }
}

function splitAuthority(authority: string): [string, number] {
  const at = authority.lastIndexOf(':');
  return [authority.slice(0, at).replace(/^\[(.*)\]$/, '$1'), Number(authority.slice(at + 1))];
}
