/** RE2 syntax translated to JavaScript: same matches as Go, or a clear refusal. */
import { expect } from 'chai';
import { captureNames, compileRe2, Re2Error } from '../../src/logql/re2';

describe('RE2 translation', () => {
  it('does not let . match \\n but lets it match \\r, as RE2 does', () => {
    const dot = compileRe2('^a.b$');
    expect(dot.test('a\rb')).to.equal(true);
    expect(dot.test('a\nb')).to.equal(false);
    expect(compileRe2('(?s)^a.b$').test('a\nb')).to.equal(true);
  });

  it('applies a leading (?i) to the whole expression and a scoped one to its group only', () => {
    expect(compileRe2('(?i)error').test('ERROR')).to.equal(true);
    const scoped = compileRe2('^(?i:err)OR$');
    expect(scoped.test('ERROR')).to.equal(true);
    expect(scoped.test('errOR')).to.equal(true);
    expect(scoped.test('ERRor')).to.equal(false);
  });

  it('reads \\A, \\z, \\Q...\\E, (?P<name>) and POSIX classes', () => {
    expect(compileRe2('\\Aab\\z').test('ab')).to.equal(true);
    expect(compileRe2('\\Aab\\z').test('ab\n')).to.equal(false);
    expect(compileRe2('^\\Q1+1=2.\\E$').test('1+1=2.')).to.equal(true);
    expect(compileRe2('^\\Q1+1=2.\\E$').test('1111=2x')).to.equal(false);
    expect(compileRe2('(?P<user>\\w+)@').exec('ann@x')?.groups?.user).to.equal('ann');
    expect(compileRe2('^[[:digit:][:upper:]]+$').test('A1B2')).to.equal(true);
    expect(compileRe2('^[[:digit:]]+$').test('a1')).to.equal(false);
  });

  it('keeps RE2 classes ASCII: \\s does not match a non-breaking space', () => {
    expect(compileRe2('^\\s$').test('\u00a0')).to.equal(false);
    expect(compileRe2('^\\s$').test('\t')).to.equal(true);
    expect(compileRe2('^\\pL+$').test('été')).to.equal(true);
  });

  it('makes $ the end of the text and, with (?m), of each line', () => {
    expect(compileRe2('a$').test('a\nb')).to.equal(false);
    expect(compileRe2('(?m)a$').test('a\nb')).to.equal(true);
  });

  it('treats escaped punctuation as literals', () => {
    expect(compileRe2('^\\-\\"\\:$').test('-":')).to.equal(true);
  });

  it('refuses what RE2 refuses, with Go-like messages', () => {
    expect(() => compileRe2('a(?=b)')).to.throw(Re2Error, 'invalid or unsupported Perl syntax: `(?=`');
    expect(() => compileRe2('(a')).to.throw(Re2Error, 'missing closing )');
    expect(() => compileRe2('a**')).to.throw(Re2Error, 'invalid nested repetition operator');
  });

  it('lists capture names as Go does, unnamed ones empty', () => {
    expect(captureNames('(?P<a>x)(y)(?:z)(?<b>w)')).to.deep.equal(['a', '', 'b']);
  });
});
