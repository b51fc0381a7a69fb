import { expect } from 'chai';
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { LokiPushClient } from '../../src/client/push-client';
import { HttpTransport } from '../../src/transport/http-transport';
import { resolveProxy } from '../../src/transport/proxy-settings';
import type { LokiPushError } from '../../src/client/errors';
import { LoopbackProxy } from '../helpers/loopback-proxy';
import { ScriptedServer } from '../helpers/scripted-server';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const STREAMS = [{ labels: '{job="proxy"}', entries: [{ timestampNanos: 1_700_000_000_000_000_000n, line: 'via' }] }];
const PASSWORD = 'pr0xy-s3cret';
const BASIC = 'Basic ' + Buffer.from(`alice:${PASSWORD}`).toString('base64');
/** Short backoff so that retry tests stay fast. */
const FAST_RETRY = { initialBackoffMillis: 5, maxBackoffMillis: 10, retryDeadlineMillis: 5_000 };
/** Retries per push in the retry tests: the attempts then end on the proxy's answer, not a time limit. */
const RETRIES = 2;
const PROXY_ENV = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('proxy-agent', () => {
  let proxy: LoopbackProxy | undefined;
  let loki: ScriptedServer | undefined;
  let tlsLoki: https.Server | undefined;
  let client: LokiPushClient | undefined;
  const savedEnv: Record<string, string | undefined> = {};

  beforeEach(() => {
    for (const name of PROXY_ENV) {
      savedEnv[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(async () => {
    for (const name of PROXY_ENV) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
    await client?.close();
    await proxy?.close();
    await loki?.close();
    if (tlsLoki !== undefined) {
      tlsLoki.closeAllConnections();
      await new Promise<void>((resolve) => tlsLoki?.close(() => resolve()));
    }
    client = proxy = loki = tlsLoki = undefined;
  });

  /** An https Loki with the test certificate; records the SNI and client certificate it saw. */
  async function startTlsLoki(requestCert = false): Promise<{ url: string; seen: Array<{ cn?: string }> }> {
    const seen: Array<{ cn?: string }> = [];
    tlsLoki = https.createServer(
      { key: fixture('server.key'), cert: fixture('server.crt'), ca: fixture('ca.crt'), requestCert },
      (req, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN;
        seen.push({ cn: Array.isArray(cn) ? cn[0] : cn });
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      }
    );
    await new Promise<void>((resolve) => tlsLoki?.listen(0, '127.0.0.1', resolve));
    return { url: `https://127.0.0.1:${(tlsLoki.address() as AddressInfo).port}`, seen };
  }

  describe('http Loki through an http proxy', () => {
    it('sends the request to the proxy in absolute form, with Proxy-Authorization, and Loki gets it', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      client = new LokiPushClient({ url: loki.url, proxy: proxy.urlWith('alice', PASSWORD), tenantId: 't1' });

      const result = await client.push(STREAMS);

      expect(result.status).to.equal(204);
      expect(proxy.requests).to.deep.equal([
        {
          method: 'POST',
          target: `${loki.url}/loki/api/v1/push`,
          proxyAuthorization: BASIC,
          remotePort: proxy.requests[0].remotePort,
        },
      ]);
      expect(loki.requests).to.have.length(1);
      expect(loki.requests[0].headers).to.include({ 'x-scope-orgid': 't1' });
      expect(loki.requests[0].headers).to.not.have.property('proxy-authorization');
    });

    it('keeps the connection to the proxy alive across pushes', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start();
      client = new LokiPushClient({ url: loki.url, proxy: proxy.url });

      await client.push(STREAMS);
      await client.push(STREAMS);

      expect(proxy.requests).to.have.length(2);
      expect(proxy.requests[1].remotePort).to.equal(proxy.requests[0].remotePort);
    });

    it('reads HTTP_PROXY by default, and goes direct for a host in NO_PROXY', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start();
      process.env.HTTP_PROXY = proxy.url;

      client = new LokiPushClient({ url: loki.url });
      await client.push(STREAMS);
      expect(proxy.requests).to.have.length(1);
      expect(client.config.proxy).to.deep.include({ source: 'HTTP_PROXY' });
      await client.close();

      process.env.NO_PROXY = `localhost,127.0.0.1:${new URL(loki.url).port}`;
      client = new LokiPushClient({ url: loki.url });
      await client.push(STREAMS);
      expect(proxy.requests).to.have.length(1);
      expect(loki.requests).to.have.length(2);
      expect(client.config.proxy).to.equal(undefined);
    });

    it('ignores the environment with proxy: false', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start();
      process.env.http_proxy = proxy.url;
      client = new LokiPushClient({ url: loki.url, proxy: false });

      await client.push(STREAMS);

      expect(proxy.requests).to.have.length(0);
      expect(loki.requests).to.have.length(1);
    });

    it('fails at once on a 407 from a forwarding proxy, with a hint and without the credentials', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      client = new LokiPushClient({ url: loki.url, proxy: proxy.urlWith('alice', 'wrong-' + PASSWORD) });

      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;

      expect(error).to.deep.include({ status: 407, retryable: false, attempts: 1 });
      expect(error.message).to.match(/\(407\).*a proxy wants credentials/);
      expect(error.message + inspect(error, { depth: 5 })).to.not.include(PASSWORD);
      expect(loki.requests).to.have.length(0);
    });
  });

  describe('https Loki through a CONNECT tunnel', () => {
    it('tunnels, then verifies Loki with ca and presents cert/key to Loki', async () => {
      const { url, seen } = await startTlsLoki(true);
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      client = new LokiPushClient({
        url,
        proxy: proxy.urlWith('alice', PASSWORD),
        ca: fixture('ca.crt'),
        cert: fixture('client.crt'),
        key: fixture('client.key'),
      });

      await client.push(STREAMS);
      await client.push(STREAMS);

      // One tunnel, kept alive for the second push.
      expect(proxy.requests).to.deep.equal([
        {
          method: 'CONNECT',
          target: new URL(url).host,
          proxyAuthorization: BASIC,
          remotePort: proxy.requests[0].remotePort,
        },
      ]);
      expect(seen).to.deep.equal([{ cn: 'otel-loki test client' }, { cn: 'otel-loki test client' }]);
    });

    it("checks Loki's certificate inside the tunnel: untrusted is final, insecureSkipVerify accepts it", async () => {
      const { url, seen } = await startTlsLoki();
      proxy = await LoopbackProxy.start();
      process.env.HTTPS_PROXY = proxy.url;
      client = new LokiPushClient({ url });

      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.deep.include({ reason: 'network', retryable: false, attempts: 1 });
      expect(error.message).to.match(/through the proxy http:\/\/127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY|SELF_SIGNED)/);
      await client.close();

      client = new LokiPushClient({ url, insecureSkipVerify: true });
      await client.push(STREAMS);
      expect(seen).to.have.length(1);
      expect(proxy.requests.map((r) => r.method)).to.deep.equal(['CONNECT', 'CONNECT']);
    });

    it('gives up at once when the proxy answers 407 to CONNECT, without printing credentials', async () => {
      const { url, seen } = await startTlsLoki();
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      client = new LokiPushClient({
        url,
        ca: fixture('ca.crt'),
        proxy: proxy.urlWith('alice', 'wrong-' + PASSWORD),
        ...FAST_RETRY,
      });

      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;

      expect(error).to.deep.include({ reason: 'network', retryable: false, attempts: 1 });
      expect(error.message).to.match(
        /through the proxy http:\/\/127\.0\.0\.1:\d+: ERR_PROXY_AUTHENTICATION \(the proxy .* answered 407 .* to CONNECT 127\.0\.0\.1:\d+: it refused the credentials/
      );
      const printed =
        error.message + inspect(error, { depth: 5 }) + inspect(client, { depth: 5 }) + JSON.stringify(client.config);
      expect(printed).to.not.include(PASSWORD);
      expect(printed).to.not.include(BASIC.slice('Basic '.length));
      expect(seen).to.have.length(0);
    });

    it('retries when the proxy cannot reach Loki (502 to CONNECT)', async () => {
      const { url } = await startTlsLoki();
      proxy = await LoopbackProxy.start({ connectStatus: 502 });
      client = new LokiPushClient({ url, ca: fixture('ca.crt'), proxy: proxy.url, ...FAST_RETRY });

      const error = (await client.push(STREAMS, { maxRetries: RETRIES }).catch((e: unknown) => e)) as LokiPushError;

      expect(error).to.deep.include({ reason: 'network', retryable: true, attempts: RETRIES + 1 });
      expect(error.message).to.match(/ERR_PROXY_TUNNEL \(the proxy .* answered 502 Bad Gateway to CONNECT/);
      expect(proxy.requests).to.have.length(RETRIES + 1);
    });

    it('close() ends a CONNECT the proxy has not answered', async () => {
      const { url } = await startTlsLoki();
      proxy = await LoopbackProxy.start({ connectHang: true });
      client = new LokiPushClient({ url, ca: fixture('ca.crt'), proxy: proxy.url, timeoutMillis: 50 });

      const error = (await client.push(STREAMS, { maxRetries: 0 }).catch((e: unknown) => e)) as LokiPushError;
      await client.close();

      expect(error).to.deep.include({ reason: 'network', retryable: true });
      expect(error.message).to.include('ETIMEDOUT');
      await proxy.hungConnectClosed;
    });

    it('refuses a tunnel the proxy forbids (403) without retrying', async () => {
      const { url } = await startTlsLoki();
      proxy = await LoopbackProxy.start({ connectStatus: 403 });
      client = new LokiPushClient({ url, ca: fixture('ca.crt'), proxy: proxy.url, ...FAST_RETRY });

      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;

      expect(error).to.deep.include({ retryable: false, attempts: 1 });
      expect(error.message).to.match(/ERR_PROXY_TUNNEL_REFUSED .*answered 403 Forbidden/);
    });
  });

  describe('an https: proxy (TLS to the proxy)', () => {
    // The client verifies an https: proxy against the system CAs; the transport's test seam
    // trusts the test CA instead, so that the same code path runs here.
    const proxyTls = { ca: fixture('ca.crt') };
    const send = (transport: HttpTransport, url: string) =>
      transport.send({
        url: new URL(`${url}/loki/api/v1/push`),
        headers: {},
        body: Buffer.from('x'),
        timeoutMillis: 5_000,
      });

    it('forwards an http request over TLS to the proxy, with its credentials', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start({
        tls: { key: fixture('server.key'), cert: fixture('server.crt') },
        requireAuthorization: BASIC,
      });
      const transport = new HttpTransport({
        proxy: resolveProxy(proxy.urlWith('alice', PASSWORD), new URL(loki.url), {}),
        proxyConnection: { proxyTls },
      });

      const answer = await send(transport, loki.url);
      transport.close();

      expect(answer).to.include({ kind: 'response', status: 204 });
      expect(proxy.requests.map((r) => r.target)).to.deep.equal([`${loki.url}/loki/api/v1/push`]);
    });

    it('tunnels to an https Loki inside TLS to the proxy (TLS in TLS)', async () => {
      const { url, seen } = await startTlsLoki();
      proxy = await LoopbackProxy.start({ tls: { key: fixture('server.key'), cert: fixture('server.crt') } });
      const transport = new HttpTransport({
        proxy: resolveProxy(proxy.url, new URL(url), {}),
        proxyConnection: { proxyTls },
        tls: { ca: fixture('ca.crt') },
      });

      const answer = await send(transport, url);
      transport.close();

      expect(answer).to.include({ kind: 'response', status: 204 });
      expect(proxy.requests.map((r) => r.method)).to.deep.equal(['CONNECT']);
      expect(seen).to.have.length(1);
    });

    it('the proxy certificate is checked: an untrusted https proxy is a final certificate error', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start({ tls: { key: fixture('server.key'), cert: fixture('server.crt') } });
      client = new LokiPushClient({ url: loki.url, proxy: proxy.url, ca: fixture('ca.crt') });

      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;

      // `ca` is Loki's, not the proxy's: the system CAs do not know the test CA.
      expect(error).to.deep.include({ reason: 'network', retryable: false, attempts: 1 });
      expect(error.message).to.match(/through the proxy https:\/\/127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY|SELF_SIGNED)/);
      expect(proxy.requests).to.have.length(0);
    });
  });

  describe('a proxy that is down', () => {
    for (const scheme of ['http', 'https'] as const) {
      it(`is a retryable network error, and retried (${scheme} Loki)`, async () => {
        const port = await closedPort();
        const url = scheme === 'http' ? 'http://127.0.0.1:9' : 'https://127.0.0.1:9';
        client = new LokiPushClient({ url, proxy: `http://alice:${PASSWORD}@127.0.0.1:${port}`, ...FAST_RETRY });

        const error = (await client.push(STREAMS, { maxRetries: RETRIES }).catch((e: unknown) => e)) as LokiPushError;

        expect(error).to.deep.include({ reason: 'network', retryable: true, attempts: RETRIES + 1 });
        expect(error.message).to.include(`through the proxy http://127.0.0.1:${port}: ECONNREFUSED`);
        expect(error.message + inspect(error, { depth: 5 })).to.not.include(PASSWORD);
      });
    }
  });

  describe('precedence with agent', () => {
    it('a custom agent wins over the environment', async () => {
      loki = await ScriptedServer.start();
      proxy = await LoopbackProxy.start();
      process.env.HTTP_PROXY = proxy.url;
      client = new LokiPushClient({ url: loki.url, agent: new http.Agent() });

      await client.push(STREAMS);

      expect(proxy.requests).to.have.length(0);
      expect(loki.requests).to.have.length(1);
      expect(client.config.proxy).to.equal(undefined);
    });

    it('agent and an explicit proxy together are an error naming both', () => {
      expect(
        () => new LokiPushClient({ url: 'http://loki:3100', agent: new http.Agent(), proxy: 'http://p:1' })
      ).to.throw(TypeError, /^proxy: cannot be combined with agent/);
      expect(
        () => new LokiPushClient({ url: 'http://loki:3100', agent: new http.Agent(), proxy: false })
      ).to.not.throw();
    });
  });
});
