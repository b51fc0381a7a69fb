/** A loopback HTTP server (port 0) that records requests and answers from a script. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remotePort: number;
}

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  private readonly _script: ScriptedAnswer[] = [];
  private readonly _hung: http.ServerResponse[] = [];

  private constructor(private readonly _server: http.Server) {}

  static async start(): Promise<ScriptedServer> {
    const server = http.createServer();
    const scripted = new ScriptedServer(server);
    server.on('request', (req, res) => scripted._handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  get url(): string {
    return `http://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
  }

  /** Answers to give, in order; after them, 204. */
  answer(...answers: ScriptedAnswer[]): this {
    this._script.push(...answers);
    return this;
  }

  private _handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort ?? 0,
      });
      const answer = this._script.shift() ?? { status: 204 };
      if (answer.reset) {
        req.socket.destroy();
        return;
      }
      if (answer.hang) {
        this._hung.push(res);
        return;
      }
      res.writeHead(answer.status ?? 204, answer.headers);
      res.end(answer.body);
    });
  }

  async close(): Promise<void> {
    for (const res of this._hung) res.destroy();
    this._server.closeAllConnections();
    await new Promise<void>((resolve) => this._server.close(() => resolve()));
  }
}
