import { expect } from 'chai';
import { decodeLogfmt } from '../../src/ingest/logfmt-decoder';

describe("decodeLogfmt (Loki's logfmt decoder)", () => {
  it('reads bare, quoted and escaped values, and keys without values', () => {
    expect(decodeLogfmt('a=1 b="two words" c="q\\"x" flag d= e=""').pairs).to.deep.equal([
      { key: 'a', value: '1' },
      { key: 'b', value: 'two words' },
      { key: 'c', value: 'q"x' },
      { key: 'flag', value: undefined },
      { key: 'd', value: undefined },
      { key: 'e', value: undefined },
    ]);
  });

  it('stops at the first syntax error, with Loki’s message', () => {
    expect(decodeLogfmt('a=1 b=x=y level=warn')).to.deep.equal({
      pairs: [{ key: 'a', value: '1' }],
      error: "logfmt syntax error at pos 8 : unexpected '='",
    });
    expect(decodeLogfmt('a="open').error).to.equal('logfmt syntax error at pos 8 : unterminated quoted value');
    expect(decodeLogfmt('=x').error).to.equal("logfmt syntax error at pos 1 : unexpected '='");
  });

  it('skips a bad pair and goes on when asked, as the non-strict `| logfmt` parser does', () => {
    expect(decodeLogfmt('a=1 b=x=y c="z" d', true)).to.deep.equal({
      pairs: [
        { key: 'a', value: '1' },
        { key: 'c', value: 'z' },
        { key: 'd', value: undefined },
      ],
      error: "logfmt syntax error at pos 8 : unexpected '='",
    });
  });
});
