import { expect } from 'chai';
import { AttributeInterner, FieldInterner } from '../../src/mapping/value-interning';
import type { KeyRule } from '../../src/mapping/value-interning';

/** More distinct values than one key interns. */
const MANY_VALUES = 100;

function interner(): { interner: AttributeInterner; rules: string[] } {
  const rules: string[] = [];
  const rule = (key: string): KeyRule => {
    rules.push(key);
    return { action: 'metadata', name: key.replace('.', '_'), rank: undefined };
  };
  return { interner: new AttributeInterner(rule), rules };
}

describe('value interning', () => {
  it('asks the rules once per key', () => {
    const { interner: keys, rules } = interner();

    keys.key('http.method');
    keys.key('http.method');

    expect(rules).to.deep.equal(['http.method']);
  });

  it('shares one pre-encoded pair per repeating value', () => {
    const { interner: keys } = interner();
    const info = keys.key('http.method');

    const first = keys.pair(info, 'GET');
    const second = keys.pair(info, 'GET');

    expect(second).to.equal(first);
    expect(first).to.include({ name: 'http_method', value: 'GET' });
    expect(first.encoded).to.be.instanceOf(Uint8Array);
  });

  it('stops interning a key with many distinct values (high cardinality)', () => {
    const { interner: keys } = interner();
    const info = keys.key('request.id');

    for (let i = 0; i < MANY_VALUES; i++) keys.pair(info, `r-${i}`);
    const late = keys.pair(info, 'r-late');

    expect(info.values).to.equal(undefined);
    expect(late.encoded).to.equal(undefined);
    expect(keys.pair(info, 'r-late')).to.not.equal(late);
  });

  it('never interns a value with lone surrogates (it is sanitized in place later)', () => {
    const { interner: keys } = interner();
    const info = keys.key('note');

    const pair = keys.pair(info, 'a\uD800');

    expect(pair.encoded).to.equal(undefined);
    expect(keys.pair(info, 'a\uD800')).to.not.equal(pair);
  });

  it('field pairs are shared per value, numbers written as Loki does', () => {
    const fields = new FieldInterner((_name, value) => value.toWellFormed());

    const pair = fields.pair('severity_number', 9);

    expect(fields.pair('severity_number', 9)).to.equal(pair);
    expect(pair).to.include({ name: 'severity_number', value: '9' });
  });

  it('a field value that is not well-formed is made so (and not shared)', () => {
    const replaced: string[] = [];
    const fields = new FieldInterner((name, value) => {
      replaced.push(name);
      return value.toWellFormed();
    });

    const pair = fields.pair('severity_text', 'x\uD800');

    expect(pair).to.include({ name: 'severity_text', value: 'x\uFFFD' });
    expect(fields.pair('severity_text', 'x\uD800')).to.not.equal(pair);
    expect(replaced).to.deep.equal(['severity_text', 'severity_text']);
  });
});
