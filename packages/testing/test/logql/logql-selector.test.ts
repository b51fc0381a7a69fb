import { expect } from 'chai';
import { LogqlError, matchesLabels, matchesLine, parseLogSelector } from '../../src/logql/logql-selector';

const labels = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));

describe('parseLogSelector', () => {
  it('anchors regular expressions as Loki does', () => {
    const selector = parseLogSelector('{app=~"api"}');
    expect(matchesLabels(selector, labels({ app: 'api' }))).to.equal(true);
    expect(matchesLabels(selector, labels({ app: 'api-2' }))).to.equal(false);
  });

  it('reads a missing label as empty', () => {
    const selector = parseLogSelector('{app="a", env!="prod"}');
    expect(matchesLabels(selector, labels({ app: 'a' }))).to.equal(true);
  });

  it('supports (?i) and backtick strings', () => {
    const selector = parseLogSelector('{app=~`(?i)API`} |~ `(?i)error`');
    expect(matchesLabels(selector, labels({ app: 'api' }))).to.equal(true);
    expect(matchesLine(selector, 'an ERROR')).to.equal(true);
  });

  it('decodes escapes in filter strings', () => {
    expect(matchesLine(parseLogSelector('{a="b"} |= "tab\\there"'), 'tab\there')).to.equal(true);
  });

  const refused: Array<[string, RegExp]> = [
    ['', /^parse error at line 1, col 1: syntax error: unexpected \$end, expecting \{$/],
    ['{a="b"', /^parse error at line 1, col 7: syntax error: unexpected \$end, expecting , or \}$/],
    ['{a~"b"}', /syntax error: unexpected ~, expecting =, != , =~ or !~|syntax error: unexpected ~/],
    ['{a=~"("}', /^parse error at line 1, col 5: error parsing regexp/],
    ['{a="b"} | logfmt', /^pipeline stage "\| logfmt" is not supported/],
    ['{a="b"} |= "x" | line_format "{{.a}}"', /^pipeline stage/],
    ['rate({a="b"}[1m])', /^metric query/],
    ['{a=""}', /queries require at least one regexp or equality matcher/],
  ];
  for (const [query, message] of refused) {
    it(`refuses ${JSON.stringify(query)}`, () => {
      expect(() => parseLogSelector(query)).to.throw(LogqlError, message);
    });
  }
});
