/** Log queries with pipelines, through LokiTestServer.query(), as Loki answers them. */
import { expect } from 'chai';
import type { LokiTestServer, StreamsQueryResult } from '../../src';
import { LogqlQueryError } from '../../src';
import { MINUTE_NS, NOW_NS, SECOND_NS, serverWith } from './helpers';

const T0 = NOW_NS - 10n * MINUTE_NS;
const RANGE = { start: T0 - MINUTE_NS, end: NOW_NS, direction: 'forward' as const, limit: 1000 };

describe('LogQL log pipelines', () => {
  let loki: LokiTestServer;

  before(async () => {
    loki = await serverWith([
      {
        stream: { service_name: 'api', env: 'prod' },
        values: [
          [
            T0,
            '{"level":"info","http":{"status":200,"path":"/a"},"took":"120ms","size":"2KB","env":"x"}',
            { trace_id: 't1' },
          ],
          [
            T0 + SECOND_NS,
            '{"level":"error","http":{"status":503,"path":"/b"},"took":"1.5s","size":"50KB"}',
            { trace_id: 't2' },
          ],
          [T0 + 2n * SECOND_NS, 'not json at all'],
        ],
      },
      {
        stream: { service_name: 'worker', env: 'prod' },
        values: [
          [T0, 'level=info msg="job done" took=30ms user=ann'],
          [T0 + SECOND_NS, 'level=warn msg="slow job" took=2s user=bob'],
          [T0 + 2n * SECOND_NS, 'level=error msg=broken=x took=fast'],
          [T0 + 3n * SECOND_NS, '\u001b[31mERROR\u001b[0m 10.1.2.3 GET /login 500'],
        ],
      },
    ]);
  });
  after(async () => {
    await loki.close();
  });

  function streams(query: string, options = {}): StreamsQueryResult['result'] {
    const result = loki.query(query, { ...RANGE, ...options });
    expect(result.resultType).to.equal('streams');
    return (result as StreamsQueryResult).result;
  }

  function lines(query: string): string[] {
    return streams(query)
      .flatMap((s) => s.values)
      .sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1))
      .map((v) => v[1]);
  }

  it('flattens nested JSON keys with _ and suffixes a key named as a stream label with _extracted', () => {
    const [first] = streams('{service_name="api"} | json | http_status = 200');
    expect(first.stream).to.deep.equal({
      env: 'prod',
      env_extracted: 'x',
      http_path: '/a',
      http_status: '200',
      level: 'info',
      service_name: 'api',
      size: '2KB',
      took: '120ms',
      trace_id: 't1',
    });
  });

  it('marks lines that are not JSON with __error__ and keeps them until filtered', () => {
    const errors = streams('{service_name="api"} | json | __error__ != ""');
    expect(errors).to.have.length(1);
    expect(errors[0].stream.__error__).to.equal('JSONParserErr');
    expect(errors[0].stream.__error_details__).to.equal("Value looks like object, but can't find closing '}' symbol");
    expect(lines('{service_name="api"} | json | __error__ = ""')).to.have.length(2);
  });

  it('compares durations, bytes and numbers as typed values', () => {
    expect(lines('{service_name="api"} | json | took > 1s')).to.have.length(1);
    expect(lines('{service_name="api"} | json | size >= 40KB')).to.have.length(1);
    expect(lines('{service_name="api"} | json | http_status >= 500 or http_path = "/a"')).to.have.length(2);
  });

  it('keeps a line whose value does not parse for a typed filter, with LabelFilterErr', () => {
    const result = streams('{service_name="worker"} | logfmt | took > 1s');
    const errored = result.find((s) => s.stream.__error__ === 'LabelFilterErr');
    expect(errored?.stream.__error_details__).to.equal('time: invalid duration "fast"');
    expect(result.flatMap((s) => s.values).map((v) => v[1])).to.include('level=warn msg="slow job" took=2s user=bob');
  });

  it('stops logfmt --strict at a syntax error and reports it', () => {
    const [strict] = streams('{service_name="worker"} |= "broken" | logfmt --strict');
    expect(strict.stream).to.include({ level: 'error', __error__: 'LogfmtParserErr' });
    expect(strict.stream.__error_details__).to.equal("logfmt syntax error at pos 23 : unexpected '='");
    expect(strict.stream).not.to.have.property('took');
    const [lenient] = streams('{service_name="worker"} |= "broken" | logfmt');
    expect(lenient.stream).to.include({ level: 'error', took: 'fast' });
    expect(lenient.stream).not.to.have.property('__error__');
  });

  it('extracts only the asked keys with parameters, "" for a missing one', () => {
    const [s] = streams('{service_name="api"} |= "503" | json code="http.status", missing="nope.x"');
    expect(s.stream).to.include({ code: '503', missing: '' });
    expect(s.stream).not.to.have.property('level');
  });

  it('formats lines and labels with templates', () => {
    expect(
      lines('{service_name="worker"} | logfmt | user != "" | line_format "{{.user | upper}} took {{.took}}"')
    ).to.deep.equal(['ANN took 30ms', 'BOB took 2s']);
    const [s] = streams(
      '{service_name="worker"} |= "slow" | logfmt | label_format who=user, tag="{{.level}}-x" | keep who, tag'
    );
    expect(s.stream).to.deep.equal({ who: 'bob', tag: 'warn-x' });
  });

  it('drops labels by name or by matcher', () => {
    const [s] = streams('{service_name="worker"} |= "slow" | logfmt | drop msg, took, user="bob", env');
    expect(s.stream).to.deep.equal({ level: 'warn', service_name: 'worker' });
  });

  it('strips ANSI colours with decolorize, after line filters as Loki reorders them', () => {
    expect(lines('{service_name="worker"} |= "GET" | decolorize')).to.deep.equal(['ERROR 10.1.2.3 GET /login 500']);
    expect(lines('{service_name="worker"} | decolorize |= "ERROR 10"')).to.deep.equal([]);
  });

  it('matches ip() line filters', () => {
    expect(lines('{service_name="worker"} |= ip("10.1.0.0/16")')).to.have.length(1);
    expect(lines('{service_name="worker"} != ip("10.1.0.0/16")')).to.have.length(3);
  });

  it('parses with pattern and regexp', () => {
    const [p] = streams(
      '{service_name="worker"} | decolorize | pattern "<level> <ip> <method> <path> <status>" | status = "500"'
    );
    expect(p.stream).to.include({ ip: '10.1.2.3', method: 'GET', path: '/login' });
    const [r] = streams('{service_name="worker"} | regexp "user=(?P<who>\\\\w+)" | who = "ann"');
    expect(r.stream.who).to.equal('ann');
  });

  it('chains line filters with or, and treats structured metadata as labels', () => {
    expect(lines('{env="prod"} |= "slow" or "503"')).to.have.length(2);
    expect(lines('{env="prod"} | trace_id = "t2"')).to.have.length(1);
  });

  it('applies limit and direction across streams', () => {
    const newest = loki.query('{env="prod"}', { ...RANGE, direction: 'backward', limit: 2 }) as StreamsQueryResult;
    expect(newest.result.flatMap((s) => s.values.map((v) => v[0])).sort()).to.deep.equal([
      (T0 + 2n * SECOND_NS).toString(),
      (T0 + 3n * SECOND_NS).toString(),
    ]);
  });

  it('separates stream labels, structured metadata and parsed labels when categorizing', () => {
    const result = loki.query('{service_name="api"} | json | level="error"', {
      ...RANGE,
      categorizeLabels: true,
    }) as StreamsQueryResult;
    expect(result.encodingFlags).to.deep.equal(['categorize-labels']);
    expect(result.result[0].stream).to.deep.equal({ env: 'prod', service_name: 'api' });
    const extra = result.result[0].values[0][2];
    expect(extra?.structuredMetadata).to.deep.equal({ trace_id: 't2' });
    expect(extra?.parsed).to.include({ level: 'error', http_status: '503' });
  });

  it('filters stored entries with a whole pipeline in entries({ selector }), returning them as stored', () => {
    const stored = loki.entries({ selector: '{service_name="api"} | json | level="error"' });
    expect(stored.map((e) => e.line)).to.deep.equal([
      '{"level":"error","http":{"status":503,"path":"/b"},"took":"1.5s","size":"50KB"}',
    ]);
    expect(stored[0].labels).to.deep.equal({ service_name: 'api', env: 'prod' });
  });

  it("refuses a log query as an instant query, with Loki's text", () => {
    expect(() => loki.query('{env="prod"}', { time: NOW_NS })).to.throw(
      LogqlQueryError,
      'log queries are not supported as an instant query type, please change your query to a range query type'
    );
  });
});
