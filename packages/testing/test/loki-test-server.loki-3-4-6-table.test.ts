/**
 * Every row of the table "Observed on a real Loki 3.4.6 (defaults, auth on)" in
 * `shared/LOKI.md`, push by push, against the server with the same settings.
 */
import { expect } from 'chai';
import { encodePushRequest, snappyCompress } from '@otel-loki/push';
import { LokiTestServer } from '../src';
import { DAY_NS, gzip, HOUR_NS, jsonStream, MINUTE_NS, nowNs, pushJson, pushProto, pushRaw } from './helpers/http';
import { encodeRawPushRequest } from './helpers/proto-writer';

const TENANT = 'tenant-1';
const PROTOBUF = 'application/x-protobuf';

describe('LokiTestServer: answers observed on Loki 3.4.6', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true });
  });
  afterEach(async () => {
    await loki.close();
  });

  const protoBody = (labels: string, line = 'a line', ts = nowNs()): Buffer =>
    Buffer.from(snappyCompress(encodePushRequest([{ labels, entries: [{ timestampNanos: ts, line }] }])));
  const stored = (selector?: string): Array<{ stream: string; line: string; metadata: Record<string, string> }> =>
    loki.entries({ tenant: TENANT, selector });

  it('valid JSON: 204', async () => {
    const answer = await pushJson(loki.url, { streams: [jsonStream({ job: 'api' }, [[nowNs(), 'hello']])] }, TENANT);
    expect(answer.status).to.equal(204);
    expect(stored().map((e) => e.line)).to.deep.equal(['hello']);
  });

  it('no Content-Type: 400 `snappy: corrupt input` (the body is read as protobuf)', async () => {
    const body = JSON.stringify({ streams: [jsonStream({ job: 'api' }, [[nowNs(), 'hello']])] });
    const answer = await pushRaw(loki.url, body, { 'x-scope-orgid': TENANT });
    expect(answer).to.include({ status: 400, body: 'snappy: corrupt input' });
    expect(stored()).to.be.empty;
  });

  it('Content-Encoding: br: 400 `Content-Encoding "br" not supported`', async () => {
    const answer = await pushRaw(loki.url, protoBody('{job="api"}'), {
      'content-type': PROTOBUF,
      'content-encoding': 'br',
      'x-scope-orgid': TENANT,
    });
    expect(answer).to.include({ status: 400, body: 'Content-Encoding "br" not supported' });
  });

  it('JSON with Content-Encoding: gzip: 204, stored', async () => {
    const body = gzip(JSON.stringify({ streams: [jsonStream({ job: 'api' }, [[nowNs(), 'zipped']])] }));
    const answer = await pushRaw(loki.url, body, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-scope-orgid': TENANT,
    });
    expect(answer.status).to.equal(204);
    expect(stored().map((e) => e.line)).to.deep.equal(['zipped']);
  });

  it('protobuf with Content-Encoding: snappy, and gzip(snappy(proto)) with gzip: 204', async () => {
    const snappyAnswer = await pushRaw(loki.url, protoBody('{job="api"}', 'one'), {
      'content-type': PROTOBUF,
      'content-encoding': 'snappy',
      'x-scope-orgid': TENANT,
    });
    const gzipAnswer = await pushRaw(loki.url, gzip(protoBody('{job="api"}', 'two')), {
      'content-type': PROTOBUF,
      'content-encoding': 'gzip',
      'x-scope-orgid': TENANT,
    });
    expect([snappyAnswer.status, gzipAnswer.status]).to.deep.equal([204, 204]);
    expect(
      stored()
        .map((e) => e.line)
        .sort()
    ).to.deep.equal(['one', 'two']);
  });

  it('protobuf without snappy, or gzip(proto): 400 `snappy: corrupt input`', async () => {
    const raw = Buffer.from(
      encodePushRequest([{ labels: '{job="api"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }])
    );
    const plain = await pushRaw(loki.url, raw, { 'content-type': PROTOBUF, 'x-scope-orgid': TENANT });
    const gzipped = await pushRaw(loki.url, gzip(raw), {
      'content-type': PROTOBUF,
      'content-encoding': 'gzip',
      'x-scope-orgid': TENANT,
    });
    expect(plain).to.include({ status: 400, body: 'snappy: corrupt input' });
    expect(gzipped).to.include({ status: 400, body: 'snappy: corrupt input' });
  });

  it('Content-Type: application/x-protobuf; charset=utf-8: 204', async () => {
    const answer = await pushRaw(loki.url, protoBody('{job="api"}'), {
      'content-type': 'application/x-protobuf; charset=utf-8',
      'x-scope-orgid': TENANT,
    });
    expect(answer.status).to.equal(204);
  });

  it('hash field set by the client: 204, ignored', async () => {
    const body = encodeRawPushRequest([
      { labels: '{job="api"}', hash: 0xdeadbeefn, entries: [{ timestampNanos: nowNs(), line: 'hashed' }] },
    ]);
    const answer = await pushRaw(loki.url, Buffer.from(snappyCompress(body)), {
      'content-type': PROTOBUF,
      'x-scope-orgid': TENANT,
    });
    expect(answer.status).to.equal(204);
    expect(stored().map((e) => e.line)).to.deep.equal(['hashed']);
  });

  it('{"streams":[]}: 422 `error at least one valid stream is required for ingestion`', async () => {
    const answer = await pushJson(loki.url, { streams: [] }, TENANT);
    expect(answer).to.include({ status: 422, body: 'error at least one valid stream is required for ingestion' });
  });

  it('no X-Scope-OrgID: 401 `no org id`', async () => {
    const answer = await pushRaw(loki.url, protoBody('{job="api"}'), { 'content-type': PROTOBUF });
    expect(answer).to.include({ status: 401, body: 'no org id' });
  });

  for (const [tenant, message] of [
    ['a|b', 'multiple org IDs present'],
    ['x'.repeat(151), 'tenant ID is too long: max 150 characters'],
    ['a b', "tenant ID 'a b' contains unsupported character ' '"],
  ]) {
    it(`tenant ${JSON.stringify(tenant.length > 20 ? '151 chars' : tenant)}: 400 \`${message}\``, async () => {
      const answer = await pushRaw(loki.url, protoBody('{job="api"}'), {
        'content-type': PROTOBUF,
        'x-scope-orgid': tenant,
      });
      expect(answer).to.include({ status: 400, body: message });
    });
  }

  it('label value with U+FFFD, literal or escaped \\ufffd: 400 `parse error: invalid UTF-8 rune`, nothing stored', async () => {
    const literal = await pushProto(
      loki.url,
      [{ labels: '{job="a\ufffd"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    const escaped = await pushProto(
      loki.url,
      [{ labels: '{job="a\\ufffd"}', entries: [{ timestampNanos: nowNs(), line: 'y' }] }],
      TENANT
    );
    expect(literal.status).to.equal(400);
    expect(literal.body).to.equal("couldn't parse labels: 1:6: parse error: invalid UTF-8 rune");
    expect(escaped.status).to.equal(400);
    expect(escaped.body).to.match(
      /^Error parsing labels '\{job="a\ufffd", service_name="a\ufffd"\}' with error: 1:6: parse error: invalid UTF-8 rune$/
    );
    expect(stored()).to.be.empty;
  });

  const decodedLabelCases: Array<[string, string]> = [
    ['{job="caf\\u00e9"}', 'café'],
    ['{job="a\\tb"}', 'a\tb'],
    ['{job="\\101"}', 'A'],
    ['{job="\\x41"}', 'A'],
    ["{job='single'}", 'single'],
    ['{job=`back\\tick`}', 'back\\tick'],
    ['{ job = "spaced" }', 'spaced'],
  ];
  for (const [labels, value] of decodedLabelCases) {
    it(`label string ${labels}: 204, stored decoded as ${JSON.stringify(value)}`, async () => {
      const answer = await pushProto(loki.url, [{ labels, entries: [{ timestampNanos: nowNs(), line: 'x' }] }], TENANT);
      expect(answer.status).to.equal(204);
      expect(loki.entries({ tenant: TENANT })[0].labels).to.deep.equal({ job: value, service_name: value });
    });
  }

  it('label string without a space after the comma: 204', async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{a="1",job="x"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    expect(answer.status).to.equal(204);
    expect(stored()[0].stream).to.equal('{a="1", job="x", service_name="x"}');
  });

  it("duplicate label name: 400 `... has duplicate label name: 'job'`", async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="a", job="b"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.equal(`stream '{job="a", job="b", service_name="a"}' has duplicate label name: 'job'`);
  });

  it('unknown escape \\q: 400 `... unknown escape sequence ...`', async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="a\\q"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    expect(answer).to.include({
      status: 400,
      body: "couldn't parse labels: 1:6: parse error: unknown escape sequence U+0071 'q'",
    });
  });

  for (const [labels, message] of [
    ['{a.b="x"}', "couldn't parse labels: 1:3: parse error: unexpected character inside braces: '.'"],
    ['{1a="x"}', "couldn't parse labels: 1:2: parse error: unexpected character inside braces: '1'"],
  ]) {
    it(`label name in ${labels}: 400 \`${message}\``, async () => {
      const answer = await pushProto(loki.url, [{ labels, entries: [{ timestampNanos: nowNs(), line: 'x' }] }], TENANT);
      expect(answer).to.include({ status: 400, body: message });
    });
  }

  it('label name __x: 204', async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{__x="1"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    expect(answer.status).to.equal(204);
    expect(stored()[0].stream).to.equal('{__x="1", service_name="unknown_service"}');
  });

  it('no labels at all, or only empty values: 204, stored as {service_name="unknown_service"}', async () => {
    const none = await pushProto(
      loki.url,
      [{ labels: '{}', entries: [{ timestampNanos: nowNs(), line: 'none' }] }],
      TENANT
    );
    const empty = await pushJson(
      loki.url,
      { streams: [jsonStream({ job: '', app: '' }, [[nowNs(), 'empty']])] },
      TENANT
    );
    expect([none.status, empty.status]).to.deep.equal([204, 204]);
    expect(stored().map((e) => e.stream)).to.deep.equal([
      '{service_name="unknown_service"}',
      '{service_name="unknown_service"}',
    ]);
  });

  const manyLabels = (n: number): string =>
    '{' + Array.from({ length: n }, (_, i) => `l${String(i).padStart(2, '0')}="v"`).join(', ');
  it('16 labels: 400 too many labels; 15 labels plus service_name: 204', async () => {
    const sixteen = await pushProto(
      loki.url,
      [{ labels: manyLabels(16) + '}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    const fifteen = await pushProto(
      loki.url,
      [{ labels: manyLabels(15) + ', service_name="svc"}', entries: [{ timestampNanos: nowNs(), line: 'y' }] }],
      TENANT
    );
    expect(sixteen.status).to.equal(400);
    expect(sixteen.body).to.match(
      /^entry for stream '\{l00="v", .*, l15="v", service_name="unknown_service"\}' has 16 label names; limit 15$/
    );
    expect(fifteen.status).to.equal(204);
  });

  it('label value of 3000 characters: 400 value too long', async () => {
    const value = 'v'.repeat(3000);
    const answer = await pushProto(
      loki.url,
      [{ labels: `{job="x", long="${value}"}`, entries: [{ timestampNanos: nowNs(), line: 'x' }] }],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.equal(
      `stream '{job="x", long="${value}", service_name="x"}' has label value too long: '${value}'`
    );
  });

  it('numeric timestamp, or non-string metadata value, in JSON: 400 (JSON decode error)', async () => {
    const numeric = await pushJson(
      loki.url,
      `{"streams":[{"stream":{"job":"x"},"values":[[${nowNs()},"line"]]}]}`,
      TENANT
    );
    const metadata = await pushJson(
      loki.url,
      `{"streams":[{"stream":{"job":"x"},"values":[["${nowNs()}","line",{"n":1}]]}]}`,
      TENANT
    );
    for (const answer of [numeric, metadata]) {
      expect(answer.status).to.equal(400);
      expect(answer.body).to.match(
        /^loghttp\.PushRequest\.Streams: \[\]loghttp\.LogProtoStream: unmarshalerDecoder: Value is string, but can't find closing '"' symbol, error found in #\d+ byte of/
      );
    }
    expect(stored()).to.be.empty;
  });

  it('one entry 7+ days old and one fresh in the same request: 400 too old, and the fresh entry IS stored', async () => {
    const now = nowNs();
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{job="x"}',
          entries: [
            { timestampNanos: now - 8n * DAY_NS, line: 'old' },
            { timestampNanos: now, line: 'fresh' },
          ],
        },
      ],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.match(
      /^entry for stream '\{job="x", service_name="x"\}' has timestamp too old: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, oldest acceptable timestamp is: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
    );
    expect(stored().map((e) => e.line)).to.deep.equal(['fresh']);
  });

  it('one hour in the future: 400 too new', async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs() + HOUR_NS, line: 'x' }] }],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.match(
      /^entry for stream '\{job="x", service_name="x"\}' has timestamp too new: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
    );
  });

  it("a 300 KiB line: 400 `Max entry size '262144' bytes exceeded ...`", async () => {
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs(), line: 'x'.repeat(300 * 1024) }] }],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.equal(
      `Max entry size '262144' bytes exceeded for stream '{job="x", service_name="x"}' while adding an entry with length '307200' bytes`
    );
  });

  it("129 structured metadata entries: 400 `too many structured metadata labels: '129', limit: '128'`", async () => {
    const metadata = Array.from({ length: 129 }, (_, i) => ({ name: `m${i}`, value: 'v' }));
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs(), line: 'x', metadata }] }],
      TENANT
    );
    expect(answer.status).to.equal(400);
    expect(answer.body).to.equal(
      `stream '{job="x", service_name="x"}' has too many structured metadata labels: '129', limit: '128'. ` +
        'Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki administrator to increase it.'
    );
  });

  it('metadata names a.b and c-d: 204, stored as a_b and c_d; empty metadata values kept', async () => {
    const metadata = [
      { name: 'a.b', value: '1' },
      { name: 'c-d', value: '' },
    ];
    const answer = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs(), line: 'x', metadata }] }],
      TENANT
    );
    expect(answer.status).to.equal(204);
    expect(stored()[0].metadata).to.include({ a_b: '1', c_d: '' });
  });

  it('U+FFFD inside a metadata value is dropped from it (Loki: strings.Map(removeInvalidUtf, value))', async () => {
    const metadata = [{ name: 'm', value: 'a\ufffdb' }];
    await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs(), line: 'x', metadata }] }],
      TENANT
    );
    expect(stored()[0].metadata.m).to.equal('ab');
  });

  it("entry 30 min older than the stream's newest: 204 stored; 2 h older: 400 too far behind", async () => {
    const now = nowNs();
    await pushProto(loki.url, [{ labels: '{job="x"}', entries: [{ timestampNanos: now, line: 'newest' }] }], TENANT);
    const thirty = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: now - 30n * MINUTE_NS, line: '30m' }] }],
      TENANT
    );
    const two = await pushProto(
      loki.url,
      [{ labels: '{job="x"}', entries: [{ timestampNanos: now - 2n * HOUR_NS, line: '2h' }] }],
      TENANT
    );
    expect(thirty.status).to.equal(204);
    expect(two.status).to.equal(400);
    expect(two.body).to.match(
      /^entry with timestamp \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: \S+Z, oldest acceptable timestamp is: \S+Z',\nuser 'tenant-1', total ignored: 1 out of 1 for stream: \{job="x", service_name="x"\}$/
    );
    expect(stored().map((e) => e.line)).to.deep.equal(['30m', 'newest']);
  });

  it('the same (timestamp, line) pushed 3 times: stored once', async () => {
    const ts = nowNs();
    for (let i = 0; i < 3; i++) {
      const answer = await pushProto(
        loki.url,
        [{ labels: '{job="x"}', entries: [{ timestampNanos: ts, line: 'same' }] }],
        TENANT
      );
      expect(answer.status).to.equal(204);
    }
    expect(stored().map((e) => e.line)).to.deep.equal(['same']);
    expect(loki.counters.entriesDeduplicated).to.equal(2);
  });
});
