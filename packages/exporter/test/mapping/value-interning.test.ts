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
    const fields = new FieldInterner();

    const pair = fields.pair('severity_number', 9);

    expect(fields.pair('severity_number', 9)).to.equal(pair);
    expect(pair).to.include({ name: 'severity_number', value: '9' });
  });
});
