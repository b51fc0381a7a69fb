import { expect } from 'chai';
import { labelsToString, parseMetric } from '../../src/ingest/metric-parser';

function errorOf(input: string): string {
  const result = parseMetric(input);
  if (result.ok) throw new Error(`expected ${input} to fail`);
  return result.error;
}

function labelsOf(input: string): Array<[string, string]> {
  const result = parseMetric(input);
  if (!result.ok) throw new Error(result.error);
  return result.labels.map((l) => [l.name, l.value]);
}

describe('parseMetric (Loki syntax.ParseLabels / Prometheus ParseMetric)', () => {
  it('sorts labels by name and drops empty values', () => {
    expect(labelsOf('{b="2", a="1", c=""}')).to.deep.equal([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('drops every pair of a name that has an empty value (Prometheus Builder semantics)', () => {
    expect(labelsOf('{a="", a="x", b="y"}')).to.deep.equal([['b', 'y']]);
  });

  it('keeps duplicates adjacent for the validator to report', () => {
    expect(labelsOf('{job="a", x="1", job="b"}')).to.deep.equal([
      ['job', 'a'],
      ['job', 'b'],
      ['x', '1'],
    ]);
  });

  it('accepts an empty string, {}, a trailing comma and a metric name prefix', () => {
    expect(labelsOf('')).to.deep.equal([]);
    expect(labelsOf('{}')).to.deep.equal([]);
    expect(labelsOf('{a="1",}')).to.deep.equal([['a', '1']]);
    expect(labelsOf('up{a="1"}')).to.deep.equal([
      ['__name__', 'up'],
      ['a', '1'],
    ]);
  });

  it('decodes every Go escape, single quotes and raw backtick strings', () => {
    expect(
      labelsOf(
        `{a="\\a\\b\\f\\n\\r\\t\\v\\\\\\"", b='it\\'s', c=\`raw\\n\`, d="\\U0001F600\\u00e9\\xc3\\xa9\\303\\251"}`
      )
    ).to.deep.equal([
      ['a', '\x07\b\f\n\r\t\v\\"'],
      ['b', "it's"],
      ['c', 'raw\\n'],
      ['d', '😀ééé'],
    ]);
  });

  const errors: Array<[string, string]> = [
    ['{a="b" c="d"}', '1:8: parse error: unexpected identifier "c" in label set, expected "," or "}"'],
    ['{a b="c"}', '1:4: parse error: unexpected identifier "b" in label set, expected "="'],
    ['{a=b}', '1:4: parse error: unexpected identifier "b" in label set, expected string'],
    ['{="x"}', '1:2: parse error: unexpected <op:=> in label set, expected identifier or "}"'],
    ['{a="b"', '1:7: parse error: unexpected end of input inside braces'],
    ['{a="b"}}', "1:8: parse error: unexpected right brace '}'"],
    ['{a="b\nc"}', '1:4: parse error: unterminated quoted string'],
    ['{a="b', '1:4: parse error: unterminated quoted string'],
    ['{a=`b', '1:4: parse error: unterminated raw string'],
    ['{a="\\q"}', "1:4: parse error: unknown escape sequence U+0071 'q'"],
    ['{a="\\8"}', "1:4: parse error: unknown escape sequence U+0038 '8'"],
    ['{a="\\x4g"}', "1:4: parse error: illegal character U+0067 'g' in escape sequence"],
    ['{a="\\400"}', '1:4: parse error: escape sequence is an invalid Unicode code point'],
    ['{a="\\ud800"}', '1:4: parse error: escape sequence is an invalid Unicode code point'],
    ['{a="\\U00110000"}', '1:4: parse error: escape sequence is an invalid Unicode code point'],
    ['{a="\ufffd"}', '1:4: parse error: invalid UTF-8 rune'],
    ['{a="\ud800"}', '1:4: parse error: invalid UTF-8 rune'],
    ['{a!="b"}', '1:3: parse error: unexpected <op:!=> in label set, expected "="'],
    ['{a="b", {', "1:9: parse error: unexpected left brace '{'"],
    ['{a="b"} x', '1:9: parse error: unexpected identifier "x"'],
  ];
  for (const [input, message] of errors) {
    it(`refuses ${JSON.stringify(input)} with ${message}`, () => {
      expect(errorOf(input)).to.equal(message);
    });
  }

  it('counts columns in UTF-8 bytes and lines after newlines, as Prometheus does', () => {
    expect(errorOf('{é="x"}')).to.equal("1:2: parse error: unexpected character inside braces: 'é'");
    expect(errorOf('{a="é", b.c="x"}')).to.equal("1:11: parse error: unexpected character inside braces: '.'");
    expect(errorOf('{a="x",\n b.c="y"}')).to.equal("2:3: parse error: unexpected character inside braces: '.'");
  });

  it('formats labels as Prometheus labels.String() with Go quoting', () => {
    expect(
      labelsToString([
        { name: 'a', value: 'x"y\n' },
        { name: 'b', value: 'é\u0001' },
      ])
    ).to.equal('{a="x\\"y\\n", b="é\\x01"}');
  });
});
