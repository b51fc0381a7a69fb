import { expect } from 'chai';
import * as fc from 'fast-check';
import {
  formatLabels,
  isValidLabelName,
  LABEL_VALUE_REPLACEMENT,
  LabelSyntaxError,
  parseLabels,
  sanitizeLabelName,
  sanitizeLabelValue,
} from '../../src/wire/label-set';

describe('label-set', () => {
  describe('formatLabels', () => {
    it('sorts names, joins with ", " and drops empty values', () => {
      expect(formatLabels({ zeta: '1', alpha: '2', empty: '', mid: '3' })).to.equal('{alpha="2", mid="3", zeta="1"}');
    });

    it('gives the same string whatever the order of the labels', () => {
      expect(formatLabels({ b: 'x', a: 'y' })).to.equal(formatLabels({ a: 'y', b: 'x' }));
    });

    it('sorts by byte order like Go (uppercase before lowercase, _ between)', () => {
      expect(formatLabels({ b: '1', B: '2', _a: '3', a: '4' })).to.equal('{B="2", _a="3", a="4", b="1"}');
    });

    it('formats no labels as {}', () => {
      expect(formatLabels({})).to.equal('{}');
      expect(formatLabels({ only: '' })).to.equal('{}');
    });

    it('replaces U+FFFD and lone surrogates, which Loki refuses in label values', () => {
      const s = formatLabels({ a: 'x\ufffdy', b: 'lone\ud800', c: 'lone\udc00end', d: 'pair\ud83d\ude00' });
      expect(s).to.equal(
        `{a="x${LABEL_VALUE_REPLACEMENT}y", b="lone${LABEL_VALUE_REPLACEMENT}", c="lone${LABEL_VALUE_REPLACEMENT}end", d="pair😀"}`
      );
      expect(s).not.to.include('\ufffd');
    });
  });

  describe('sanitizeLabelValue', () => {
    it('returns the same string when nothing needs replacing', () => {
      const value = 'plain é 😀';
      expect(sanitizeLabelValue(value)).to.equal(value);
    });
  });

  describe('parseLabels', () => {
    const valuesOf = (input: string): Record<string, string> =>
      Object.fromEntries(parseLabels(input).map((p) => [p.name, p.value]));

    it('reads every Go escape', () => {
      expect(valuesOf(String.raw`{a="\a\b\f\n\r\t\v\\\"", b="\101\x41\u00e9\U0001F600", c="\xc3\xa9"}`)).to.deep.equal({
        a: '\x07\b\f\n\r\t\v\\"',
        b: 'AAé😀',
        c: 'é',
      });
    });

    it('reads single quotes, backticks (raw) and whitespace around = and ,', () => {
      expect(valuesOf("{ job = 'x\\'y' ,raw=`a\\nb`,\tz=\"1\" }")).to.deep.equal({ job: "x'y", raw: 'a\\nb', z: '1' });
    });

    it('reads {} and a trailing comma', () => {
      expect(parseLabels('{}')).to.deep.equal([]);
      expect(valuesOf('{a="1",}')).to.deep.equal({ a: '1' });
    });

    it('keeps empty values and duplicates for the caller to judge', () => {
      expect(parseLabels('{a="", a="x"}').map((p) => [p.name, p.value])).to.deep.equal([
        ['a', ''],
        ['a', 'x'],
      ]);
    });

    it('flags invalid UTF-8 and U+FFFD, literal or escaped', () => {
      expect(parseLabels(String.raw`{a="\xff"}`)[0].invalidUtf8).to.equal(true);
      expect(parseLabels(String.raw`{a="\ufffd"}`)[0].invalidUtf8).to.equal(true);
      expect(parseLabels('{a="\ufffd"}')[0].invalidUtf8).to.equal(true);
      expect(parseLabels('{a="é"}')[0].invalidUtf8).to.equal(false);
    });

    for (const [input, fragment] of [
      [String.raw`{a="\q"}`, 'unknown escape sequence'],
      ['{a.b="1"}', 'unexpected character'],
      ['{1a="1"}', 'unexpected character inside braces'],
      ['{a="x\ny"}', 'newline in string'],
      ['{a="1"', 'expecting , or }'],
      ['{a="1}', 'unterminated string'],
      ['a="1"', 'expecting {'],
      ['{a="1"} x', 'after }'],
      ['{a=1}', 'expected a quoted string'],
      [String.raw`{a="\400"}`, 'octal'],
      [String.raw`{a="\x4"}`, 'invalid escape'],
      [String.raw`{a="\ud800"}`, 'invalid Unicode escape'],
    ]) {
      it(`refuses ${JSON.stringify(input)} (${fragment})`, () => {
        expect(() => parseLabels(input)).to.throw(LabelSyntaxError, fragment);
      });
    }

    it('reads back what formatLabels writes (property)', () => {
      fc.assert(
        fc.property(
          fc.dictionary(
            fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/),
            fc.string({ unit: 'binary', maxLength: 20 }),
            { maxKeys: 6 }
          ),
          (labels) => {
            const parsed = parseLabels(formatLabels(labels));
            const expected = Object.entries(labels)
              .filter(([, v]) => v !== '')
              .map(([k, v]) => [k, sanitizeLabelValue(v)])
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            expect(parsed.map((p) => [p.name, p.value])).to.deep.equal(expected);
            expect(parsed.every((p) => !p.invalidUtf8)).to.equal(true);
          }
        ),
        { numRuns: 300 }
      );
    });
  });

  describe('sanitizeLabelName (current Loki OTLP rules)', () => {
    const cases: Array<[string, string | undefined]> = [
      ['service.name', 'service_name'],
      ['k8s.pod.name', 'k8s_pod_name'],
      ['http-method', 'http_method'],
      ['p..q', 'p_q'],
      ['a__b', 'a_b'],
      ['a._-b', 'a_b'],
      ['1a', 'key_1a'],
      ['0', 'key_0'],
      ['_y', '_y'],
      ['__x__', '__x__'],
      ['__a.b__', '__a_b__'],
      ['__x', '_x'],
      ['é-x', '_x'],
      ['naïve', 'na_ve'],
      ['emoji😀tail', 'emoji_tail'],
      ['trailing.', 'trailing_'],
      ['', undefined],
      ['___', undefined],
      ['.', undefined],
      ['already_fine', 'already_fine'],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
        expect(sanitizeLabelName(input)).to.equal(expected);
      });
    }

    it('always yields a name Loki accepts, or nothing (property)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (name) => {
          const result = sanitizeLabelName(name);
          if (result !== undefined) expect(isValidLabelName(result), result).to.equal(true);
        }),
        { numRuns: 500 }
      );
    });
  });

  describe('isValidLabelName', () => {
    it('accepts Loki push label names and refuses the rest', () => {
      expect(['job', '_x', '__x', 'a1_B'].every(isValidLabelName)).to.equal(true);
      expect(['', '1a', 'a.b', 'a-b', 'é'].some(isValidLabelName)).to.equal(false);
    });
  });
});
