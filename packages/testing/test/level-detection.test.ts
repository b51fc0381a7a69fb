import { expect } from 'chai';
import { withDetectedLevel } from '../src/level-detection';

const level = (
  line: string,
  labels: Array<[string, string]> = [],
  metadata: Array<[string, string]> = []
): string | undefined =>
  withDetectedLevel(
    labels.map(([name, value]) => ({ name, value })),
    metadata.map(([name, value]) => ({ name, value })),
    line
  ).find((l) => l.name === 'detected_level')?.value;

describe('withDetectedLevel (Loki field_detection.go)', () => {
  it('prefers a level-like stream label, normalized', () => {
    expect(level('ERROR in line', [['level', 'WRN']])).to.equal('warn');
  });

  it('then structured metadata, keeping unknown words as they are', () => {
    expect(level('x', [], [['severity', 'Notice']])).to.equal('Notice');
    expect(level('x', [], [['lvl', 'information']])).to.equal('info');
  });

  it('then OTLP severity_number ranges', () => {
    const cases: Array<[string, string]> = [
      ['0', 'unknown'],
      ['1', 'trace'],
      ['5', 'debug'],
      ['9', 'info'],
      ['13', 'warn'],
      ['17', 'error'],
      ['21', 'fatal'],
      ['25', 'unknown'],
      ['x', 'info'],
    ];
    for (const [n, expected] of cases) expect(level('x', [], [['severity_number', n]]), n).to.equal(expected);
  });

  it('then a JSON line, up to depth 2', () => {
    expect(level('{"msg":"x","level":"debug"}')).to.equal('debug');
    expect(level('{"log":{"severity":"fatal"}}')).to.equal('fatal');
    expect(level('{"a":{"b":{"level":"error"}}}')).to.equal('unknown');
  });

  it('then a logfmt line, the first level field in Loki order winning', () => {
    expect(level('msg=hi severity=warn level=error')).to.equal('error');
    expect(level('msg="x" lvl=TRC')).to.equal('trace');
  });

  it('then words in a plain line, else unknown', () => {
    expect(level('something [ERROR] happened')).to.equal('error');
    expect(level('this is info')).to.equal('info');
    expect(level('WARNING: disk')).to.equal('warn');
    expect(level('nothing to see')).to.equal('unknown');
  });

  it("Loki 3.4 style: label values kept as they are, looser words, no 'information'", () => {
    const level34 = (line: string, labels: Array<[string, string]> = []): string | undefined =>
      withDetectedLevel(
        labels.map(([name, value]) => ({ name, value })),
        [],
        line,
        '3.4'
      ).find((l) => l.name === 'detected_level')?.value;
    expect(level34('x', [['level', 'WRN']])).to.equal('WRN');
    expect(level34('wrote to stderr')).to.equal('error');
    expect(level34('severity_text=warn')).to.equal('warn');
    expect(level34('{"level":"information"}')).to.equal('info');
    expect(level('wrote to stderr')).to.equal('unknown');
  });

  it('normalizes an existing detected_level instead of adding one', () => {
    const result = withDetectedLevel([], [{ name: 'detected_level', value: 'ERR' }], 'info');
    expect(result).to.deep.equal([{ name: 'detected_level', value: 'error' }]);
  });
});
