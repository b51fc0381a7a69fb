import { expect } from 'chai';
import { withDetectedLevel } from '../../src/ingest/level-detection';

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
    expect(level('{"a":{"b":{"level":"wrn"}}}')).to.equal('unknown');
    expect(level('{"a":{"level":"wrn"}}')).to.equal('warn');
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

  const level34 = (
    line: string,
    labels: Array<[string, string]> = [],
    metadata: Array<[string, string]> = []
  ): string | undefined =>
    withDetectedLevel(
      labels.map(([name, value]) => ({ name, value })),
      metadata.map(([name, value]) => ({ name, value })),
      line,
      '3.4'
    ).find((l) => l.name === 'detected_level')?.value;

  it('Loki 3.4: label and metadata values kept as they are', () => {
    expect(level34('x', [['level', 'WRN']])).to.equal('WRN');
    expect(level34('x', [], [['Severity', 'Notice']])).to.equal('Notice');
    expect(level34('x', [], [['lvl', 'information']])).to.equal('information');
    expect(level34('{"level":"information"}')).to.equal('info');
    expect(level34('x', [], [['severity_number', '-3']])).to.equal('trace');
  });

  it("Loki 3.4: plain lines need 'warn:', 'warning', 'debug:' or 'error' (case-sensitive), not '[WARN]' or 'err'", () => {
    const cases: Array<[string, string]> = [
      ['[WARN] mail queued', 'unknown'],
      ['\u001b[31m[DEBUG] mail bounced', 'unknown'],
      ['[ERROR] mail sent', 'error'],
      ['WARNING disk almost full', 'warn'],
      ['warn: disk', 'warn'],
      ['Warn: disk', 'unknown'],
      ['debug: cache', 'debug'],
      ['CRITICAL: down', 'critical'],
      ['wrote to stderr', 'unknown'],
      ['an error, then info', 'info'],
      ['nothing to see', 'unknown'],
    ];
    for (const [line, expected] of cases) expect(level34(line), line).to.equal(expected);
  });

  it('Loki 3.4: JSON top-level keys only, its own field list', () => {
    expect(level34('{"log":{"level":"wrn"}}')).to.equal('unknown');
    expect(level34('{"msg":"x","Level":"WRN"}')).to.equal('warn');
    expect(level34('log.level=wrn msg=x')).to.equal('unknown');
    expect(level('log.level=wrn msg=x')).to.equal('warn');
    expect(level34('{"SeverityText":"wrn"}')).to.equal('unknown');
    expect(level('{"SeverityText":"wrn"}')).to.equal('warn');
  });

  it('current Loki: the first bounded level word in the line, any case', () => {
    const cases: Array<[string, string]> = [
      ['[WARN] mail queued', 'warn'],
      ['\u001b[31m[DEBUG] mail bounced', 'debug'],
      ['ERROR before info', 'error'],
      ['info before error', 'info'],
      ['misc:error happened', 'unknown'],
      ['the debugger attached', 'unknown'],
      ['wrote to stderr', 'unknown'],
      ['Warning: disk', 'warn'],
      ['status=(fatal)', 'fatal'],
    ];
    for (const [line, expected] of cases) expect(level(line), line).to.equal(expected);
  });

  it('normalizes an existing detected_level instead of adding one', () => {
    const result = withDetectedLevel([], [{ name: 'detected_level', value: 'ERR' }], 'info');
    expect(result).to.deep.equal([{ name: 'detected_level', value: 'error' }]);
  });

  it("current Loki: the word-boundary cases of Loki's own tests (field_detection_test.go)", () => {
    const words: Array<[string, string]> = [
      ['trace', 'trace'],
      ['debug', 'debug'],
      ['info', 'info'],
      ['warn', 'warn'],
      ['warning', 'warn'],
      ['error', 'error'],
      ['err', 'error'],
      ['critical', 'critical'],
      ['fatal', 'fatal'],
    ];
    for (const [word, expected] of words) {
      for (const line of [
        `this is a ${word} message`,
        `this is a ${word.toUpperCase()} message`,
        `${word} occurred`,
        `an ${word}`,
        `${word}: something happened`,
        `${word}, something happened`,
        `${word}! something happened`,
        `(${word}) something happened`,
        `[${word}] something happened`,
        `2024-01-01T10:00:00Z ${word}: connection failed`,
        `[${word.toUpperCase()}] connection failed`,
      ])
        expect(level(line), line).to.equal(expected);
    }
    const unknown = [
      'this is a terror attack',
      'there were multiple errors',
      'error123 occurred',
      '123error occurred',
      'errorCode is invalid',
      'myError occurred',
      'debugging the issue',
      'information is available',
      'warnings issued',
      'criticality assessment',
      'tracer bullet',
      '',
      '[terror] attack occurred',
      '[errorCode] is invalid',
      'error_code is 500',
      'trace_id is abc123',
      'some_error_code is invalid',
      '{"errorCode": 123}',
      'errorCode=123',
    ];
    for (const line of unknown) expect(level(line), line).to.equal('unknown');
    const cases: Array<[string, string]> = [
      ['{"message": "error occurred"}', 'error'],
      ['{"error": "something"}', 'error'],
      ['msg="error occurred"', 'error'],
      ['error=something', 'error'],
      ['level=error', 'error'],
      ['{"message": "[error] occurred"}', 'error'],
      ['msg="[error] occurred"', 'error'],
      ['2024-01-01T10:00:00Z info request failed -l warning --log-level misc:error', 'info'],
    ];
    for (const [line, expected] of cases) expect(level(line), line).to.equal(expected);
  });
});
