import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchTransport } from '../../src/transport/fetch-transport';
import { MAX_RESPONSE_BODY_BYTES } from '../../src/transport/transport-types';
import { ScriptedServer } from '../helpers/scripted-server';

const BODY = Uint8Array.from([1, 2, 3, 4]);
const TIMEOUT_MILLIS = 5_000;

describe('FetchTransport', () => {
  let server: ScriptedServer;
  const transport = new FetchTransport();

  beforeEach(async () => {
    server = await ScriptedServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  function send(overrides: { timeoutMillis?: number; signal?: AbortSignal; url?: string } = {}) {
    return transport.send({
      url: new URL('/loki/api/v1/push', overrides.url ?? server.url),
      headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'team-a' },
      body: BODY,
      timeoutMillis: overrides.timeoutMillis ?? TIMEOUT_MILLIS,
      signal: overrides.signal,
    });
  }

  it('POSTs the body and headers, and returns the status, body and lower-case headers', async () => {
    server.answer({ status: 429, headers: { 'Retry-After': '3' }, body: 'slow down' });
    const response = await send();
    expect(response).to.deep.include({ kind: 'response', status: 429, body: 'slow down' });
    expect(response.kind === 'response' && response.headers['retry-after']).to.equal('3');
    const [request] = server.requests;
    expect(request.method).to.equal('POST');
    expect(request.headers['x-scope-orgid']).to.equal('team-a');
    expect([...request.body]).to.deep.equal([...BODY]);
  });

  it('keeps at most MAX_RESPONSE_BODY_BYTES of a large error body', async () => {
    server.answer({ status: 500, body: 'x'.repeat(MAX_RESPONSE_BODY_BYTES * 3) });
    const response = await send();
    expect(response.kind === 'response' && response.body.length).to.equal(MAX_RESPONSE_BODY_BYTES);
  });

  it('does not follow redirects: a 3xx is the answer (as with node:http)', async () => {
    server.answer({ status: 307, headers: { location: '/elsewhere' } });
    const response = await send();
    expect(response).to.deep.include({ kind: 'response', status: 307 });
    expect(server.requests).to.have.length(1);
  });

  it('times out a request that gets no answer (ETIMEDOUT)', async () => {
    server.answer({ hang: true });
    const response = await send({ timeoutMillis: 100 });
    expect(response).to.deep.include({ kind: 'network', code: 'ETIMEDOUT' });
  });

  it("stops at the caller's signal (ABORT_ERR), also when it fired before", async () => {
    server.answer({ hang: true });
    const controller = new AbortController();
    const pending = send({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await pending).to.deep.include({ kind: 'network', code: 'ABORT_ERR' });
    expect(await send({ signal: AbortSignal.abort() })).to.deep.include({ kind: 'network', code: 'ABORT_ERR' });
  });

  it('reports a refused connection as a network outcome with its code', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const response = await send({ url: `http://127.0.0.1:${port}` });
    expect(response).to.deep.include({ kind: 'network', code: 'ECONNREFUSED' });
  });
});
