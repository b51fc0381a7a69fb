import { expect } from 'chai';
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { LokiPushClient } from '../../src/client/push-client';
import type { LokiPushError } from '../../src/client/errors';
import { HttpTransport, MAX_RESPONSE_BODY_BYTES } from '../../src/transport/http-transport';
import { SocketTransport } from '../../src/transport/socket-transport';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const STREAMS = [{ labels: '{job="tls"}', entries: [{ timestampNanos: 1_700_000_000_000_000_000n, line: 'secure' }] }];

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('http-transport', () => {
  describe('https', () => {
    let server: https.Server;
    let seen: Array<{ authorized: boolean; clientCn?: string; servername?: string | false }>;

    beforeEach(() => {
      seen = [];
    });
    afterEach(async () => close(server));

    const start = async (requestCert: boolean): Promise<number> => {
      server = https.createServer(
        {
          key: fixture('server.key'),
          cert: fixture('server.crt'),
          ca: fixture('ca.crt'),
          requestCert,
          rejectUnauthorized: requestCert,
        },
        (req, res) => {
          const socket = req.socket as TLSSocket;
          const cn = socket.getPeerCertificate()?.subject?.CN;
          seen.push({
            authorized: socket.authorized,
            clientCn: Array.isArray(cn) ? cn[0] : cn,
            servername: (socket as TLSSocket & { servername?: string | false }).servername,
          });
          req.resume();
          req.on('end', () => res.writeHead(204).end());
        }
      );
      return listen(server);
    };

    it('pushes over https trusting the given CA', async () => {
      const port = await start(false);
      const client = new LokiPushClient({ url: `https://127.0.0.1:${port}`, ca: fixture('ca.crt') });
      const result = await client.push(STREAMS);
      await client.close();
      expect(result.status).to.equal(204);
    });

    it('names the host to the server (SNI) and checks the certificate against that name', async () => {
      const port = await start(false);
      const client = new LokiPushClient({ url: `https://localhost:${port}`, ca: fixture('ca.crt') });
      const result = await client.push(STREAMS);
      await client.close();
      expect(result.status).to.equal(204);
      expect(seen.map((s) => s.servername)).to.deep.equal(['localhost']);
    });

    it('presents a client certificate for mutual TLS', async () => {
      const port = await start(true);
      const client = new LokiPushClient({
        url: `https://127.0.0.1:${port}`,
        ca: fixture('ca.crt'),
        cert: fixture('client.crt'),
        key: fixture('client.key'),
      });
      await client.push(STREAMS);
      await client.close();
      expect(seen).to.deep.equal([{ authorized: true, clientCn: 'otel-loki test client', servername: false }]);
    });

    it('fails at once, without retrying, on an untrusted certificate', async () => {
      const port = await start(false);
      const client = new LokiPushClient({ url: `https://127.0.0.1:${port}` });
      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
      await client.close();
      expect(error).to.deep.include({ reason: 'network', retryable: false, attempts: 1 });
      expect(error.message).to.match(
        /Could not reach Loki at https:.*(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER)/
      );
      expect(seen).to.have.length(0);
    });

    it('accepts an untrusted certificate only with insecureSkipVerify, and says so in its config', async () => {
      const port = await start(false);
      const client = new LokiPushClient({ url: `https://127.0.0.1:${port}`, insecureSkipVerify: true });
      const result = await client.push(STREAMS);
      await client.close();
      expect(result.status).to.equal(204);
      expect(client.config.insecureSkipVerify).to.equal(true);
      expect(new LokiPushClient({ url: `https://127.0.0.1:${port}` }).config.insecureSkipVerify).to.equal(false);
      expect(() => new LokiPushClient({ url: 'https://x', insecureSkipVerify: 'yes' as unknown as boolean })).to.throw(
        TypeError,
        /insecureSkipVerify/
      );
    });
  });

  describe('plain http', () => {
    let server: http.Server;
    afterEach(async () => close(server));

    it('uses a custom agent when given one', async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      });
      const port = await listen(server);
      const agent = new http.Agent({ keepAlive: false });
      let created = 0;
      const original = agent.createConnection.bind(agent);
      agent.createConnection = ((...args: Parameters<typeof original>) => {
        created++;
        return original(...args);
      }) as typeof agent.createConnection;
      const client = new LokiPushClient({ url: `http://127.0.0.1:${port}`, agent });
      await client.push(STREAMS);
      await client.push(STREAMS);
      await client.close();
      agent.destroy();
      expect(created).to.equal(2);
    });

    it(`reads at most ${MAX_RESPONSE_BODY_BYTES} bytes of a response body`, async () => {
      const huge = 'e'.repeat(MAX_RESPONSE_BODY_BYTES * 4);
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(400).end(huge));
      });
      const port = await listen(server);
      const transport = new HttpTransport();
      const response = await transport.send({
        url: new URL(`http://127.0.0.1:${port}/loki/api/v1/push`),
        headers: {},
        body: Buffer.from('x'),
        timeoutMillis: 5000,
      });
      transport.close();
      expect(response.kind).to.equal('response');
      expect((response as { body: string }).body.length).to.equal(MAX_RESPONSE_BODY_BYTES);
    });

    // A hostile or broken server must not hold a push past its time limit, which counts the
    // whole exchange (headers and body), not the idle time between bytes.
    const TRICKLE_TIMEOUT_MILLIS = 300;
    for (const [name, respond] of [
      [
        'an endless response body',
        (res: http.ServerResponse) => {
          res.writeHead(200);
          const pump = (): void => {
            // Bounded by the test: the server is closed in afterEach, which ends the loop.
            if (!res.destroyed && res.write('x'.repeat(16 * 1024))) setImmediate(pump);
            else if (!res.destroyed) res.once('drain', pump);
          };
          pump();
        },
      ],
      [
        'a response trickling one byte every 50 ms',
        (res: http.ServerResponse) => {
          res.writeHead(200);
          const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 50);
          res.on('close', () => clearInterval(timer));
        },
      ],
      [
        'status line trickled byte by byte',
        (res: http.ServerResponse) => {
          const socket = res.socket;
          const bytes = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
          let i = 0;
          const timer = setInterval(
            () =>
              i < bytes.length && socket && !socket.destroyed
                ? socket.write(bytes.subarray(i, ++i))
                : clearInterval(timer),
            50
          );
          socket?.on('close', () => clearInterval(timer));
        },
      ],
    ] as const) {
      for (const [kind, create] of [
        ['HttpTransport', () => new HttpTransport()],
        ['SocketTransport', () => new SocketTransport()],
      ] as const) {
        it(`${kind} gives up on ${name} after timeoutMillis in total`, async () => {
          server = http.createServer((req, res) => {
            req.resume();
            req.on('end', () => respond(res));
          });
          const port = await listen(server);
          const transport = create();
          const started = Date.now();
          const response = await transport.send({
            url: new URL(`http://127.0.0.1:${port}/loki/api/v1/push`),
            headers: {},
            body: Buffer.from('x'),
            timeoutMillis: TRICKLE_TIMEOUT_MILLIS,
          });
          const elapsed = Date.now() - started;
          transport.close();
          expect(response).to.deep.include({ kind: 'network', code: 'ETIMEDOUT' });
          expect(elapsed).to.be.below(TRICKLE_TIMEOUT_MILLIS * 10);
        });
      }
    }
  });
});
