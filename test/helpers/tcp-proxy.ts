/**
 * A loopback TCP proxy in front of a server, to take it "down" (connection refused: nothing
 * listens on the port) and bring it back on the same port while the server behind it keeps
 * its data and its duplicate detection, as a Loki behind a restarting gateway would.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A proxy from `127.0.0.1:<port>` to `target`. */
export class TcpProxy {
  private _server: net.Server | undefined;
  private readonly _sockets = new Set<net.Socket>();

  private constructor(
    private readonly _targetPort: number,
    private _port: number
  ) {}

  /** Starts listening on a free port. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, 0);
    await proxy.up();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this._port}`;
  }

  /** Listens (again) on the same port. */
  async up(): Promise<void> {
    if (this._server !== undefined) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this._targetPort, '127.0.0.1');
      this._track(client);
      this._track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this._port, '127.0.0.1', () => resolve());
    });
    this._port = (server.address() as AddressInfo).port;
    this._server = server;
  }

  /** Stops listening and cuts every connection: clients get ECONNREFUSED (or a reset mid-request). */
  async down(): Promise<void> {
    const server = this._server;
    if (server === undefined) return;
    this._server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this._sockets) socket.destroy();
    await closed;
  }

  private _track(socket: net.Socket): void {
    this._sockets.add(socket);
    socket.on('close', () => this._sockets.delete(socket));
  }
}
