import { expect } from 'chai';
import { goQuote, goQuoteRune, goRuneVerb, hasInvalidUnicode, unquote } from '../../src/wire/go-quote';

describe('go-quote', () => {
  describe('goQuote matches Go strconv.Quote', () => {
    // Expected outputs follow Go's strconv.Quote rules (appendEscapedRune, unicode.IsPrint).
    const cases: Array<[string, string]> = [
      ['plain', '"plain"'],
      ['', '""'],
      ['say "hi"', String.raw`"say \"hi\""`],
      ['back\\slash', String.raw`"back\\slash"`],
      ['\x07\b\f\n\r\t\v', String.raw`"\a\b\f\n\r\t\v"`],
      ['\x00\x01\x1f\x7f', String.raw`"\x00\x01\x1f\x7f"`],
      ['é ü 中文', '"é ü 中文"'],
      ['😀', '"😀"'],
      ['\u00a0', String.raw`"\u00a0"`],
      ['\u200b', String.raw`"\u200b"`],
      ['\u2028', String.raw`"\u2028"`],
      ['\ufeff', String.raw`"\ufeff"`],
      ['\u{e0001}', String.raw`"\U000e0001"`],
      ['\u0085', String.raw`"\u0085"`],
      ['\ud800', String.raw`"\ufffd"`],
      ["it's", `"it's"`],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${expected}`, () => {
        expect(goQuote(input)).to.equal(expected);
      });
    }
  });

  describe('unquote', () => {
    it('returns the index after the closing quote', () => {
      expect(unquote('x"ab"y', 1)).to.deep.equal({ value: 'ab', end: 5, invalidUtf8: false });
    });

    it('reads back goQuote output for every BMP character', () => {
      let all = '';
      for (let code = 0; code < 0x10000; code++) {
        if (code >= 0xd800 && code <= 0xdfff) continue;
        all += String.fromCharCode(code);
      }
      expect(unquote(goQuote(all), 0).value).to.equal(all);
    });
  });

  it('hasInvalidUnicode finds U+FFFD and lone surrogates only', () => {
    expect(hasInvalidUnicode('ok 😀')).to.equal(false);
    expect(hasInvalidUnicode('\ufffd')).to.equal(true);
    expect(hasInvalidUnicode('\udfff')).to.equal(true);
  });
});

describe('goQuoteRune / goRuneVerb', () => {
  it('formats runes as Go formats %q and %#U', () => {
    expect(goRuneVerb('q')).to.equal("U+0071 'q'");
    expect(goRuneVerb('\n')).to.equal('U+000A');
    expect(goRuneVerb('😀')).to.equal("U+1F600 '😀'");
    expect(goQuoteRune('.')).to.equal("'.'");
    expect(goQuoteRune('\t')).to.equal("'\\t'");
    expect(goQuoteRune('\u0000')).to.equal("'\\x00'");
    expect(goQuoteRune("'")).to.equal("'\\''");
    expect(goQuoteRune('"')).to.equal(`'"'`);
    expect(goQuoteRune('\u00a0')).to.equal("'\\u00a0'");
  });
});
