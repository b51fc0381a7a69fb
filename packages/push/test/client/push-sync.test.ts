/**
 * LokiPushClient.pushSync: a push that completes inside a process `'exit'` handler. The client
 * runs in a child process (the calling thread blocks, so the server must live elsewhere: here,
 * in the test process); what the server received is decoded independently.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readPushRequest } from '../helpers/proto-reader';
import { LoopbackProxy } from '../helpers/loopback-proxy';
import { ScriptedServer } from '../helpers/scripted-server';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const CLIENT = join(__dirname, '..', '..', 'src', 'client', 'push-client.ts');
/** Generous bound of one child run (it starts tsx); the pushes themselves are bounded by timeoutMillis. */
const CHILD_LIMIT_MILLIS = 20_000;

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `body` in a child process with `client` built from `options`; `body` ends with an exit. */
function runChild(options: object, body: string, env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  const script = `
    const { LokiPushClient } = require(${JSON.stringify(CLIENT)});
    const client = new LokiPushClient(${JSON.stringify(options)});
    const streams = (n) => [{ labels: '{job="exit"}', entries: Array.from({ length: n }, (_, i) => ({ timestampNanos: BigInt(Date.now()) * 1000000n + BigInt(i), line: 'line ' + i })) }];
    const report = (value) => process.stdout.write(JSON.stringify(value));
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not finish: ${stderr}`));
    }, CHILD_LIMIT_MILLIS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('LokiPushClient.pushSync', () => {
  let server: ScriptedServer;

  beforeEach(async () => {
    server = await ScriptedServer.start();
  });
  afterEach(async () => server.close());

  it('delivers from an exit handler, keeping the exit code; Loki gets the tenant, auth and the entries', async () => {
    const run = await runChild(
      { url: server.url, tenantId: 't1', basicAuth: { username: 'u', password: 'p' } },
      `process.on('exit', () => report(client.pushSync(streams(3), { timeoutMillis: 5000 })));
       process.exit(3);`
    );

    expect(run.code).to.equal(3);
    expect(JSON.parse(run.stdout)).to.include({ status: 204, entries: 3, requests: 1, attempts: 1 });
    expect(server.requests).to.have.length(1);
    const [request] = server.requests;
    expect(request.headers['x-scope-orgid']).to.equal('t1');
    expect(request.headers.authorization).to.equal('Basic ' + Buffer.from('u:p').toString('base64'));
    const [stream] = readPushRequest(snappyBlockDecompress(request.body));
    expect(stream.labels).to.equal('{job="exit"}');
    expect(stream.entries.map((e) => e.line)).to.deep.equal(['line 0', 'line 1', 'line 2']);
  });

  it('splits under maxRequestBytes and sends every request', async () => {
    const run = await runChild(
      { url: server.url, maxRequestBytes: 200 },
      `report(client.pushSync(streams(20), { timeoutMillis: 5000 }));`
    );

    const result = JSON.parse(run.stdout) as { requests: number; entries: number };
    expect(result.entries).to.equal(20);
    expect(result.requests).to.be.greaterThan(1);
    expect(server.requests).to.have.length(result.requests);
  });

  it('a refusal is a LokiPushError with Loki’s words and the undelivered streams', async () => {
    server.answer({ status: 400, body: 'entry too far behind' });
    const run = await runChild(
      { url: server.url },
      `try { client.pushSync(streams(2)); } catch (e) { report({ name: e.name, status: e.status, retryable: e.retryable, failed: e.entriesFailed, message: e.message }); }`
    );

    expect(JSON.parse(run.stdout)).to.deep.include({ name: 'LokiPushError', status: 400, retryable: false, failed: 2 });
    expect(JSON.parse(run.stdout).message).to.include('entry too far behind');
  });

  it('blocks no longer than timeoutMillis when Loki does not answer', async () => {
    server.answer({ hang: true });
    const run = await runChild(
      { url: server.url },
      `const t0 = Date.now();
       try { client.pushSync(streams(1), { timeoutMillis: 300 }); } catch (e) { report({ waited: Date.now() - t0, retryable: e.retryable, failed: e.entriesFailed }); }
       process.exit(0);`
    );

    const result = JSON.parse(run.stdout) as { waited: number; retryable: boolean; failed: number };
    expect(result.retryable).to.equal(true);
    expect(result.failed).to.equal(1);
    // The bound is the contract: generous margin for a loaded machine, far below the hang.
    expect(result.waited).to.be.below(300 + 1_500);
    expect(run.code).to.equal(0);
  });

  it('an unreachable Loki is a retryable network failure, at once', async () => {
    const url = server.url;
    await server.close();
    const run = await runChild(
      { url },
      `try { client.pushSync(streams(1)); } catch (e) { report({ reason: e.reason, retryable: e.retryable }); }`
    );

    expect(JSON.parse(run.stdout)).to.deep.equal({ reason: 'network', retryable: true });
  });

  describe('through a proxy', () => {
    const PASSWORD = 'ex1t-s3cret';
    const BASIC = 'Basic ' + Buffer.from(`bob:${PASSWORD}`).toString('base64');
    let proxy: LoopbackProxy;

    afterEach(async () => proxy.close());

    it('forwards to an http Loki through HTTP_PROXY, with its credentials, from the exit handler', async () => {
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      const run = await runChild(
        { url: server.url },
        `process.on('exit', () => { report(client.pushSync(streams(1))); });`,
        { HTTP_PROXY: proxy.urlWith('bob', PASSWORD) }
      );

      expect(JSON.parse(run.stdout)).to.include({ status: 204, entries: 1 });
      expect(proxy.requests).to.have.length(1);
      expect(proxy.requests[0]).to.include({ method: 'POST', target: `${server.url}/loki/api/v1/push` });
      expect(server.requests).to.have.length(1);
    });

    it('tunnels to an https Loki with CONNECT and verifies it with ca inside the tunnel', async () => {
      const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');
      let received = 0;
      const tlsLoki = https.createServer({ key: fixture('server.key'), cert: fixture('server.crt') }, (req, res) => {
        received++;
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      });
      await new Promise<void>((resolve) => tlsLoki.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(tlsLoki.address() as AddressInfo).port}`;
      proxy = await LoopbackProxy.start();
      try {
        const run = await runChild(
          { url, ca: fixture('ca.crt'), proxy: proxy.url },
          `process.on('exit', () => { report(client.pushSync(streams(1))); });`
        );

        expect(JSON.parse(run.stdout)).to.include({ status: 204, entries: 1 });
        expect(proxy.requests.map((r) => [r.method, r.target])).to.deep.equal([['CONNECT', new URL(url).host]]);
        expect(received).to.equal(1);
      } finally {
        tlsLoki.closeAllConnections();
        await new Promise<void>((resolve) => tlsLoki.close(() => resolve()));
      }
    });

    it('tunnels to an https Loki with CONNECT; a 407 is final and names no credentials', async () => {
      proxy = await LoopbackProxy.start({ requireAuthorization: BASIC });
      const run = await runChild(
        { url: 'https://127.0.0.1:9', proxy: proxy.urlWith('bob', 'wrong-' + PASSWORD) },
        `try { client.pushSync(streams(1)); } catch (e) { report({ retryable: e.retryable, message: e.message }); }`
      );

      const result = JSON.parse(run.stdout) as { retryable: boolean; message: string };
      expect(result.retryable).to.equal(false);
      expect(result.message).to.match(/through the proxy http:\/\/127\.0\.0\.1:\d+: ERR_PROXY_AUTHENTICATION/);
      expect(result.message).to.not.include(PASSWORD);
      expect(proxy.requests).to.deep.include({
        method: 'CONNECT',
        target: '127.0.0.1:9',
        proxyAuthorization: 'Basic ' + Buffer.from(`bob:wrong-${PASSWORD}`).toString('base64'),
        remotePort: proxy.requests[0].remotePort,
      });
    });
  });
});
