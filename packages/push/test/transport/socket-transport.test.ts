import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SocketTransport } from '../../src/transport/socket-transport';
import type { TransportRequest, TransportResponse } from '../../src/transport/transport-types';
import { MAX_RESPONSE_BODY_BYTES } from '../../src/transport/transport-types';
import { LokiPushClient } from '../../src/client/push-client';
import { createTransport } from '../../src/platform/node/runtime';
import { HttpTransport } from '../../src/transport/http-transport';

const PATH = '/loki/api/v1/push';
const TIMEOUT_MILLIS = 5000;
/** Loops that wait for a connection's state: bounded by this many turns of the event loop. */
const MAX_TURNS = 10_000;
/** How long a child process may take to start, send and exit (tsx start-up is most of it). */
const EXIT_BOUND_MILLIS = 8000;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  socket: net.Socket;
}

/** A node:http server (an independent HTTP/1.1 implementation) that records what it got. */
class RecordingServer {
  readonly requests: Seen[] = [];
  readonly connections: net.Socket[] = [];
  constructor(readonly server: http.Server) {}

  static async start(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<RecordingServer> {
    const server = http.createServer();
    const recording = new RecordingServer(server);
    server.on('connection', (socket: net.Socket) => recording.connections.push(socket));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        recording.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          socket: req.socket,
        });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return recording;
  }

  get url(): URL {
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}${PATH}?tenant=a`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A raw TCP server that answers every request with exactly the given bytes (or handler). */
async function rawServer(
  onRequest: (socket: net.Socket) => void
): Promise<{ url: URL; sockets: net.Socket[]; close: () => Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let seen = '';
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      const head = seen.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(seen);
      if (head >= 0 && length && seen.length >= head + 4 + Number(length[1])) {
        seen = '';
        onRequest(socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`http://127.0.0.1:${port}${PATH}`),
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const request = (url: URL, extra: Partial<TransportRequest> = {}): TransportRequest => ({
  url,
  headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'team-a' },
  body: Buffer.from('the body'),
  timeoutMillis: TIMEOUT_MILLIS,
  ...extra,
});

/** Turns of the event loop until `condition` holds (bounded). */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > MAX_TURNS) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const networkCode = (response: TransportResponse): string | undefined =>
  response.kind === 'network' ? response.code : `response ${response.status}`;

describe('socket-transport', () => {
  let transport: SocketTransport;
  let server: RecordingServer | undefined;

  beforeEach(() => {
    transport = new SocketTransport();
  });
  afterEach(async () => {
    transport.close();
    await server?.close();
    server = undefined;
  });

  it('sends the request a node:http server reads exactly, and returns its answer', async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204, { 'x-answer': 'yes' }).end());
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const response = await transport.send(
      request(server.url, {
        headers: { 'content-type': 'application/x-protobuf', 'X-Scope-OrgID': 'team-a', 'user-agent': 'ua/1' },
        body,
      })
    );
    expect(response).to.deep.include({ kind: 'response', status: 204, body: '' });
    expect((response as { headers: Record<string, unknown> }).headers['x-answer']).to.equal('yes');
    const [seen] = server.requests;
    expect(seen.method).to.equal('POST');
    expect(seen.url).to.equal(`${PATH}?tenant=a`);
    expect(seen.headers).to.deep.include({
      host: server.url.host,
      'content-type': 'application/x-protobuf',
      'x-scope-orgid': 'team-a',
      'user-agent': 'ua/1',
      'content-length': String(body.length),
    });
    expect(seen.body.equals(body)).to.equal(true);
  });

  it("uses the caller's Host header, and its own content-length and connection headers", async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204).end());
    await transport.send(
      request(server.url, { headers: { Host: 'loki.example', 'Content-Length': '1', Connection: 'close' } })
    );
    expect(server.requests[0].headers).to.deep.include({
      host: 'loki.example',
      'content-length': '8',
      connection: 'keep-alive',
    });
    expect(server.requests[0].body.toString()).to.equal('the body');
  });

  it('returns error answers with their body, whether sized or chunked', async () => {
    let n = 0;
    server = await RecordingServer.start((_req, res) => {
      if (n++ === 0) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('entry too far behind\n');
        return;
      }
      // Written in pieces without a length: node:http sends it chunked.
      res.writeHead(429, { 'retry-after': '7' });
      res.write('slow ');
      res.write('down');
      res.end();
    });
    const sized = await transport.send(request(server.url));
    const chunked = await transport.send(request(server.url));
    expect(sized).to.deep.include({ kind: 'response', status: 400, body: 'entry too far behind\n' });
    expect(chunked).to.deep.include({ kind: 'response', status: 429, body: 'slow down' });
    expect((chunked as { headers: Record<string, unknown> }).headers).to.deep.include({
      'retry-after': '7',
      'transfer-encoding': 'chunked',
    });
    expect(server.connections).to.have.length(1);
  });

  it('reuses one connection for requests one after another, idle in between', async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204).end());
    for (let i = 0; i < 5; i++) expect(networkCode(await transport.send(request(server.url)))).to.equal('response 204');
    expect(server.connections).to.have.length(1);
    expect(transport.connections()).to.deep.equal({ [`http://${server.url.host}`]: { busy: 0, idle: 1 } });
  });

  it('opens at most 16 connections; more requests wait for a free one', async () => {
    const held: http.ServerResponse[] = [];
    const REQUESTS = 20;
    server = await RecordingServer.start((_req, res) => {
      held.push(res);
      // All answered once 16 are in: the other 4 can only come on freed connections.
      if (held.length === 16) for (const r of held.splice(0)) r.writeHead(204).end();
      else if (server!.requests.length > 16) res.writeHead(204).end();
    });
    const responses = await Promise.all(Array.from({ length: REQUESTS }, () => transport.send(request(server!.url))));
    expect(responses.map(networkCode)).to.deep.equal(Array(REQUESTS).fill('response 204'));
    expect(server.connections).to.have.length(16);
    expect(server.requests).to.have.length(REQUESTS);
  });

  it('opens a new connection after the server closed the idle one', async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204).end());
    await transport.send(request(server.url));
    const key = `http://${server.url.host}`;
    server.connections[0].destroy();
    await until(() => transport.connections()[key].idle === 0);
    expect(networkCode(await transport.send(request(server.url)))).to.equal('response 204');
    expect(server.connections).to.have.length(2);
  });

  it('does not reuse a connection the response closes', async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204, { connection: 'close' }).end());
    await transport.send(request(server.url));
    await transport.send(request(server.url));
    expect(server.connections).to.have.length(2);
  });

  it(`keeps ${MAX_RESPONSE_BODY_BYTES} bytes of a longer body and still reuses the connection`, async () => {
    server = await RecordingServer.start((_req, res) =>
      res.writeHead(500).end('e'.repeat(MAX_RESPONSE_BODY_BYTES * 4))
    );
    const first = await transport.send(request(server.url));
    await transport.send(request(server.url));
    expect((first as { body: string }).body).to.equal('e'.repeat(MAX_RESPONSE_BODY_BYTES));
    expect(server.connections).to.have.length(1);
  });

  it('reads a body delimited by the end of the connection (HTTP/1.0), and skips interim answers', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n');
      socket.end('HTTP/1.0 500 Internal Server Error\r\n\r\nupstream gone');
    });
    try {
      const response = await transport.send(request(raw.url));
      expect(response).to.deep.include({ kind: 'response', status: 500, body: 'upstream gone' });
    } finally {
      await raw.close();
    }
  });

  for (const [name, answer, code, message] of [
    [
      'a response that is not HTTP',
      (s: net.Socket) => s.write('HELLO\r\n\r\n'),
      'ERR_INVALID_HTTP_RESPONSE',
      /invalid response: invalid status line "HELLO"/,
    ],
    [
      'a connection reset in the middle of the body',
      (s: net.Socket) => {
        s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\nabc');
        setImmediate(() => s.destroy());
      },
      'ECONNRESET',
      /socket hang up/,
    ],
    [
      'a connection closed before any answer',
      (s: net.Socket) => s.end(),
      'ECONNRESET',
      /socket hang up: the connection closed before a response/,
    ],
  ] as const) {
    it(`fails with a network error on ${name}`, async () => {
      const raw = await rawServer(answer);
      try {
        const response = await transport.send(request(raw.url));
        expect(response).to.deep.include({ kind: 'network', code });
        expect((response as { error: Error }).error.message).to.match(message);
      } finally {
        await raw.close();
      }
    });
  }

  it('reports a refused connection with its code', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const response = await transport.send(request(new URL(`http://127.0.0.1:${port}${PATH}`)));
    expect(response).to.deep.include({ kind: 'network', code: 'ECONNREFUSED' });
  });

  it('gives up after timeoutMillis and closes the connection', async () => {
    server = await RecordingServer.start(() => undefined);
    const response = await transport.send(request(server.url, { timeoutMillis: 100 }));
    expect(response).to.deep.include({ kind: 'network', code: 'ETIMEDOUT' });
    await until(() => server!.connections[0].destroyed);
  });

  it("stops at the caller's abort, and sends nothing when the signal was aborted before", async () => {
    server = await RecordingServer.start(() => undefined);
    const controller = new AbortController();
    const pending = transport.send(request(server.url, { signal: controller.signal }));
    await until(() => server!.requests.length === 1);
    controller.abort();
    expect(await pending).to.deep.include({ kind: 'network', code: 'ABORT_ERR' });
    const before = server.connections.length;
    const aborted = await transport.send(request(server.url, { signal: AbortSignal.abort() }));
    expect(aborted).to.deep.include({ kind: 'network', code: 'ABORT_ERR' });
    expect(server.connections).to.have.length(before);
  });

  it('refuses a header value node:http would refuse, before connecting', async () => {
    server = await RecordingServer.start((_req, res) => res.writeHead(204).end());
    const response = await transport.send(request(server.url, { headers: { 'x-team': 'équipe \u0100' } }));
    expect(response).to.deep.include({ kind: 'network', code: 'ERR_INVALID_CHAR' });
    expect((response as { error: Error }).error.message).to.equal('invalid character in header "x-team"');
    expect(server.connections).to.have.length(0);
  });

  it('close() ends every connection: a request in flight fails, later ones are refused', async () => {
    server = await RecordingServer.start(() => undefined);
    const pending = transport.send(request(server.url));
    await until(() => server!.requests.length === 1);
    transport.close();
    expect(await pending).to.deep.include({ kind: 'network', code: 'ECONNRESET' });
    expect(await transport.send(request(server.url))).to.deep.include({
      kind: 'network',
      code: 'ERR_TRANSPORT_CLOSED',
    });
    await until(() => server!.connections[0].destroyed);
  });

  it('connects to an IPv6 address given in brackets', async function () {
    const v6 = http.createServer((_req, res) => res.writeHead(204).end());
    try {
      await new Promise<void>((resolve, reject) => v6.once('error', reject).listen(0, '::1', resolve));
    } catch {
      return this.skip(); // no IPv6 loopback here
    }
    try {
      const port = (v6.address() as AddressInfo).port;
      expect(networkCode(await transport.send(request(new URL(`http://[::1]:${port}${PATH}`))))).to.equal(
        'response 204'
      );
    } finally {
      v6.closeAllConnections();
      await new Promise<void>((resolve) => v6.close(() => resolve()));
    }
  });

  it('lets the process exit while its connection is idle, not while a request is in flight', async () => {
    server = await RecordingServer.start((_req, res) => setTimeout(() => res.writeHead(204).end(), 200));
    // The server keeps idle connections open: only the client's side can let the child exit.
    server.server.keepAliveTimeout = 0;
    const script = [
      `const { SocketTransport } = require(${JSON.stringify(join(__dirname, '../../src/transport/socket-transport.ts'))});`,
      'const t = new SocketTransport();',
      `t.send({ url: new URL(${JSON.stringify(server.url.href)}), headers: {}, body: Buffer.from('x'), timeoutMillis: 5000 })`,
      '  .then((r) => process.stdout.write(`${r.kind} ${r.status}`));',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // A kept-alive socket that held the process would keep it running: killed after the bound.
    const bound = setTimeout(() => child.kill(), EXIT_BOUND_MILLIS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(bound);
    expect({ code, out: out.trim() }).to.deep.equal({ code: 0, out: 'response 204' });
  });

  it('is the transport of a client on Node without agent or proxy; node:http otherwise', () => {
    const plain = new LokiPushClient({ url: 'http://127.0.0.1:3100' });
    const withAgent = new LokiPushClient({ url: 'http://127.0.0.1:3100', agent: new http.Agent() });
    const viaProxy = new LokiPushClient({ url: 'http://loki.example:3100', proxy: 'http://127.0.0.1:8080' });
    expect(createTransport(plain.config as never)).to.be.instanceOf(SocketTransport);
    expect(createTransport(withAgent.config as never)).to.be.instanceOf(HttpTransport);
    expect(createTransport(viaProxy.config as never)).to.be.instanceOf(HttpTransport);
    void plain.close();
    void withAgent.close();
    void viaProxy.close();
  });
});
