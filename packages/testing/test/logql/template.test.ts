/** Go text/template and fmt as line_format/label_format templates run them. */
import { expect } from 'chai';
import { goSprintf } from '../../src/logql/go-printf';
import { GoFloat, GoInt } from '../../src/logql/go-values';
import type { GoValue } from '../../src/logql/go-values';
import { executeTemplate, parseTemplate, TemplateError } from '../../src/logql/template';

const TS = 1_700_000_000_123_000_000n;

function run(template: string, labels: Record<string, string> = {}, line = 'the line'): string {
  return executeTemplate(parseTemplate(template), new Map<string, GoValue>(Object.entries(labels)), line, TS);
}

describe('Go printf', () => {
  it('formats numbers with flags, width and precision', () => {
    expect(goSprintf('%d|%5d|%-5d|%05d', [new GoInt(42), new GoInt(42), new GoInt(42), new GoInt(-42)])).to.equal(
      '42|   42|42   |-0042'
    );
    expect(
      goSprintf('%.2f|%8.3f|%e|%g', [new GoFloat(3.14159), new GoFloat(2.5), new GoFloat(1234.5), new GoFloat(1e21)])
    ).to.equal('3.14|   2.500|1.234500e+03|1e+21');
    expect(goSprintf('%s|%q|%v|%x', ['a"b', 'a"b', new GoFloat(0.1), 'hi'])).to.equal('a"b|"a\\"b"|0.1|6869');
  });

  it("answers mismatches as Go does, the value printed with the verb's precision", () => {
    expect(goSprintf('%.1f', ['179.48'])).to.equal('%!f(string=1)');
    expect(goSprintf('%d', ['7'])).to.equal('%!d(string=7)');
    expect(goSprintf('%d %d', [new GoInt(1)])).to.equal('1 %!d(MISSING)');
    expect(goSprintf('%d', [new GoInt(1), 'x'])).to.equal('1%!(EXTRA string=x)');
  });
});

describe('LogQL templates', () => {
  it('reads labels as fields; a missing one is empty', () => {
    expect(run('{{.level}}: {{ .msg }} [{{.nothing}}]', { level: 'warn', msg: 'disk full' })).to.equal(
      'warn: disk full []'
    );
  });

  it('pipes values into functions as their last argument', () => {
    expect(run('{{ .user | upper }} {{ .user | printf "%q" }}', { user: 'ann' })).to.equal('ANN "ann"');
    expect(run('{{ .path | replace "/" "_" | trimPrefix "_" }}', { path: '/api/items' })).to.equal('api_items');
    expect(run('{{ default "none" .missing }} {{ .x | default "d" }}', { x: 'set' })).to.equal('none set');
  });

  it('runs regexReplaceAll with Go expansion of $1 and ${name}', () => {
    expect(run('{{ regexReplaceAll "user-(\\\\d+)" .u "id=$1" }}', { u: 'user-42 and user-7' })).to.equal(
      'id=42 and id=7'
    );
    expect(run('{{ regexReplaceAll "(?P<n>\\\\d+)" .u "<${n}>" }}', { u: 'a1b22' })).to.equal('a<1>b<22>');
  });

  it('has __line__ and __timestamp__, and formats times in UTC', () => {
    expect(run('{{ __line__ | upper }}')).to.equal('THE LINE');
    expect(run('{{ __timestamp__ | unixEpoch }}')).to.equal('1700000000');
    expect(run('{{ __timestamp__ | unixEpochMillis }}')).to.equal('1700000000123');
    expect(run('{{ __timestamp__ | date "2006-01-02T15:04:05.000Z07:00" }}')).to.equal('2023-11-14T22:13:20.123Z');
  });

  it('runs if/else if/else with comparisons and Go truth', () => {
    const template = '{{ if eq .level "error" }}E{{ else if .level }}other:{{ .level }}{{ else }}none{{ end }}';
    expect(run(template, { level: 'error' })).to.equal('E');
    expect(run(template, { level: 'info' })).to.equal('other:info');
    expect(run(template, {})).to.equal('none');
  });

  it('computes with sprig arithmetic: int and float helpers keep their types', () => {
    expect(run('{{ add 1 2 }} {{ div 7 2 }} {{ addf 0.1 0.2 }} {{ .n | int | mul 3 }}', { n: '14' })).to.equal(
      '3 3 0.3 42'
    );
    expect(run('{{ round 2.555 2 }} {{ float64 "1.5" }}')).to.equal('2.56 1.5');
  });

  it('trims spaces around actions with {{- and -}}', () => {
    expect(run('a   {{- .x -}}   b', { x: '1' })).to.equal('a1b');
  });

  it("refuses functions it does not know, with Go text/template's error", () => {
    expect(() => parseTemplate('{{ nope .x }}')).to.throw(
      TemplateError,
      'template: line:1: function "nope" not defined'
    );
  });
});
