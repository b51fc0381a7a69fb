import { expect } from 'chai';
import {
  decodeJsonPush,
  decodeLegacyJsonPush,
  JSONPARSER_ERRORS,
  PushDecodeError,
} from '../../src/decode/json-push-decoder';

const PREFIX = 'loghttp.PushRequest.Streams: []loghttp.LogProtoStream: ';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PushDecodeError) return err.message;
    throw err;
  }
  throw new Error('expected a PushDecodeError');
}

describe('decodeJsonPush (Loki 3.x loghttp.PushRequest)', () => {
  it('decodes streams, values and structured metadata', () => {
    const streams = decodeJsonPush(
      '{"streams":[{"stream":{"job":"api","env":"prod"},"values":[["1700000000000000001","line one"],["1700000000000000002","two",{"trace_id":"abc"}]]}]}'
    );
    expect(streams).to.deep.equal([
      {
        labels: '{env="prod", job="api"}',
        entries: [
          { timestampNanos: 1700000000000000001n, line: 'line one' },
          { timestampNanos: 1700000000000000002n, line: 'two', metadata: [{ name: 'trace_id', value: 'abc' }] },
        ],
      },
    ]);
  });

  it('unescapes stream labels and lines but keeps structured metadata raw, still escaped (Loki quirk)', () => {
    const [stream] = decodeJsonPush(
      '{"streams":[{"stream":{"job":"caf\\u00e9 \\"q\\""},"values":[["1","a\\tb",{"k\\u00e9":"x\\"y\\\\z\\n"}]]}]}'
    );
    expect(stream.labels).to.equal('{job="café \\"q\\""}');
    expect(stream.entries[0].line).to.equal('a\tb');
    expect(stream.entries[0].metadata).to.deep.equal([{ name: 'k\\u00e9', value: 'x\\"y\\\\z\\n' }]);
  });

  it('takes a non-string label value as its raw JSON text', () => {
    const [stream] = decodeJsonPush(
      '{"streams":[{"stream":{"n":4.20,"b":true,"z":null,"o":{ "k": [1, 2] }},"values":[]}]}'
    );
    expect(stream.labels).to.equal('{b="true", n="4.20", o="{ \\"k\\": [1, 2] }", z="null"}');
  });

  it('writes label names as they are, so an invalid name fails later, at label parsing', () => {
    const [stream] = decodeJsonPush('{"streams":[{"stream":{"a.b":"x"},"values":[]}]}');
    expect(stream.labels).to.equal('{a.b="x"}');
  });

  it('lets a later duplicate label win, and skips null entries and null values', () => {
    const [stream] = decodeJsonPush(
      '{"streams":[{"stream":{"a":"1","a":"2"},"values":[null,["5","x"]]},{"stream":{"b":"1"},"values":null}]}'
    );
    expect(stream.labels).to.equal('{a="2"}');
    expect(stream.entries).to.have.length(1);
  });

  it('leaves labels empty when "stream" is missing, and matches "streams" case-insensitively (jsoniter)', () => {
    expect(decodeJsonPush('{"Streams":[{"values":[["1","x"]]}]}')[0].labels).to.equal('');
  });

  it('reads a null body or null streams as no streams', () => {
    expect(decodeJsonPush('null')).to.deep.equal([]);
    expect(decodeJsonPush('{"streams":null}')).to.deep.equal([]);
    expect(decodeJsonPush('{}')).to.deep.equal([]);
  });

  it('reads negative and "-" timestamps as jsonparser.ParseInt does', () => {
    expect(decodeJsonPush('{"streams":[{"stream":{},"values":[["-5","x"]]}]}')[0].entries[0].timestampNanos).to.equal(
      -5n
    );
  });

  const failures: Array<[string, string, string]> = [
    ['a numeric timestamp', '{"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]}', JSONPARSER_ERRORS.malformedString],
    ['a numeric line', '{"streams":[{"stream":{"a":"b"},"values":[["1",2]]}]}', JSONPARSER_ERRORS.malformedString],
    [
      'a non-numeric timestamp',
      '{"streams":[{"stream":{"a":"b"},"values":[["1.5","x"]]}]}',
      JSONPARSER_ERRORS.malformedValue,
    ],
    [
      'an int64 overflow',
      '{"streams":[{"stream":{"a":"b"},"values":[["99999999999999999999","x"]]}]}',
      JSONPARSER_ERRORS.overflowInteger,
    ],
    [
      'a non-object metadata',
      '{"streams":[{"stream":{"a":"b"},"values":[["1","x","m"]]}]}',
      JSONPARSER_ERRORS.malformedObject,
    ],
    [
      'a non-string metadata value',
      '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"m":1}]]}]}',
      JSONPARSER_ERRORS.malformedString,
    ],
    ['a non-array values', '{"streams":[{"stream":{"a":"b"},"values":{}}]}', JSONPARSER_ERRORS.malformedArray],
    ['a non-object stream', '{"streams":[{"stream":"x","values":[]}]}', JSONPARSER_ERRORS.malformedObject],
  ];
  for (const [what, body, message] of failures) {
    it(`refuses ${what} with jsonparser's message inside jsoniter's excerpt`, () => {
      const error = errorOf(() => decodeJsonPush(body));
      expect(error.startsWith(`${PREFIX}unmarshalerDecoder: ${message}, error found in #`)).to.equal(true, error);
      expect(error).to.match(/byte of \.\.\.\|.*\|\.\.\., bigger context \.\.\.\|.*\|\.\.\.$/);
    });
  }

  it('answers EOF for an empty body', () => {
    expect(errorOf(() => decodeJsonPush(''))).to.equal('EOF');
  });

  it('refuses a top-level array and a non-array streams with jsoniter operations', () => {
    expect(errorOf(() => decodeJsonPush('[]'))).to.match(
      /^loghttp\.PushRequest\.readObjectStart: expect \{ or n, but found \[, error found in #1 byte/
    );
    expect(errorOf(() => decodeJsonPush('{"streams":{}}'))).to.match(
      /^loghttp\.PushRequest\.Streams: \[\]loghttp\.LogProtoStream: decode slice: expect \[ or n, but found \{/
    );
  });

  it('refuses malformed JSON with a position excerpt', () => {
    expect(errorOf(() => decodeJsonPush('{"streams":[{"stream":{'))).to.match(/error found in #\d+ byte of/);
  });
});

describe('decodeLegacyJsonPush (/api/prom/push)', () => {
  it('decodes labels strings and RFC 3339 timestamps with nanoseconds and offsets', () => {
    const streams = decodeLegacyJsonPush(
      '{"streams":[{"labels":"{job=\\"x\\"}","entries":[{"ts":"2024-01-02T03:04:05.123456789+01:00","line":"hello"}]}]}'
    );
    expect(streams).to.deep.equal([
      { labels: '{job="x"}', entries: [{ timestampNanos: 1704161045123456789n, line: 'hello' }] },
    ]);
  });

  it('refuses a timestamp that is not RFC 3339', () => {
    expect(
      errorOf(() => decodeLegacyJsonPush('{"streams":[{"labels":"{}","entries":[{"ts":"yesterday","line":"x"}]}]}'))
    ).to.match(/^parsing time/);
  });
});
