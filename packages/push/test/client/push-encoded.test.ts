/** LokiPushClient.encode + pushEncoded: requests stored before sending go out byte for byte. */
import { expect } from 'chai';
import { LokiPushClient } from '../../src/client/push-client';
import type { PushStream } from '../../src/types';
import { readPushRequest } from '../helpers/proto-reader';
import { ScriptedServer } from '../helpers/scripted-server';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const T0 = 1_700_000_000_000_000_000n;
const streams = (n: number): PushStream[] => [
  {
    labels: '{job="api"}',
    entries: Array.from({ length: n }, (_, i) => ({ timestampNanos: T0 + BigInt(i), line: `line ${i}` })),
  },
];

describe('LokiPushClient.encode / pushEncoded', () => {
  let server: ScriptedServer;
  let client: LokiPushClient;

  beforeEach(async () => {
    server = await ScriptedServer.start();
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('encode splits under maxRequestBytes without sending; pushEncoded sends each body as it is', async () => {
    client = new LokiPushClient({ url: server.url, maxRequestBytes: 200 });

    const requests = client.encode(streams(30));
    expect(server.requests).to.have.length(0);
    for (const request of requests) await client.pushEncoded(request);

    expect(requests.length).to.be.greaterThan(1);
    expect(requests.reduce((n, r) => n + r.entries, 0)).to.equal(30);
    expect(server.requests.map((r) => r.body.toString('hex'))).to.deep.equal(
      requests.map((r) => Buffer.from(r.body).toString('hex'))
    );
    const lines = server.requests.flatMap((r) =>
      readPushRequest(snappyBlockDecompress(r.body))[0].entries.map((e) => e.line)
    );
    expect(lines).to.deep.equal(Array.from({ length: 30 }, (_, i) => `line ${i}`));
  });

  it('a retried request carries the same bytes', async () => {
    client = new LokiPushClient({ url: server.url, initialBackoffMillis: 1, maxBackoffMillis: 1 });
    server.answer({ status: 503 }, { status: 204 });
    const [request] = client.encode(streams(3));

    const result = await client.pushEncoded(request, { tenantId: 't1' });

    expect(result).to.include({ attempts: 2, entries: 3, status: 204 });
    expect(server.requests).to.have.length(2);
    expect(server.requests[0].body.equals(server.requests[1].body)).to.equal(true);
    expect(server.requests[1].headers['x-scope-orgid']).to.equal('t1');
  });

  it('a refusal names Loki’s reason and carries the request’s streams', async () => {
    client = new LokiPushClient({ url: server.url });
    server.answer({ status: 400, body: 'entry too far behind' });
    const [request] = client.encode(streams(2));

    const error = await client.pushEncoded(request).then(
      () => undefined,
      (err: unknown) => err as { status: number; entriesFailed: number; message: string }
    );

    expect(error).to.include({ status: 400, entriesFailed: 2 });
    expect(error?.message).to.include('entry too far behind');
  });
});
