/**
 * Go's RE2 syntax translated to an equivalent JavaScript regular expression, or refused with a
 * clear error: never a silently different match. Handles flags `(?imsU)` (leading or scoped),
 * `.` without `s` (RE2 matches `\r`, JS does not), `\A` `\z`, `\Q...\E`, `(?P<name>...)`,
 * POSIX classes, `\pL`, RE2's ASCII `\s`, escaped punctuation and `\x{...}`.
 *
 * @see https://github.com/google/re2/wiki/Syntax
 */

/** A regex RE2 refuses (`message` as Go's `regexp` writes it) or this translator cannot express. */
export class Re2Error extends Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const PERL_CLASSES: Readonly<Record<string, string>> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};

const GENERAL_CATEGORIES = /^(?:L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;

/** A literal code point as JS regex source (escaped when needed). */
function literal(ch: string, inClass: boolean): string {
  if (/[\\^$.*+?()[\]{}|/]/.test(ch) || (inClass && ch === '-')) return '\\' + ch;
  const code = ch.codePointAt(0) as number;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return ch;
}

/** Both cases of a literal, as a class body, when `i` applies and they differ. */
function caseless(ch: string, inClass: boolean): string {
  const lower = ch.toLowerCase();
  const upper = ch.toUpperCase();
  if (lower === upper || [...lower].length !== 1 || [...upper].length !== 1) return literal(ch, inClass);
  const body = literal(lower, true) + literal(upper, true);
  return inClass ? body : `[${body}]`;
}

class Translator {
  private _i = 0;
  private readonly _groupNames = new Set<string>();
  /** Whether the JS `i` flag is set (a leading `(?i)`): literals then need no expansion. */
  jsIgnoreCase = false;

  constructor(private readonly _src: string) {}

  translate(): string {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const lead = /^\(\?([imsU]+)\)/.exec(this._src);
    if (lead && lead[1].includes('i')) this.jsIgnoreCase = true;
    const out = this._alternation(flags, false);
    if (this._i < this._src.length) throw new Re2Error(`unexpected ): \`${this._src}\``);
    return out;
  }

  private _peek(offset = 0): string {
    return this._src[this._i + offset] ?? '';
  }

  private _alternation(flags: Flags, inGroup: boolean): string {
    let out = '';
    // Bounded: every pass consumes input or leaves the loop.
    while (this._i < this._src.length) {
      const ch = this._peek();
      if (ch === ')') {
        if (!inGroup) throw new Re2Error(`unexpected ): \`${this._src}\``);
        return out;
      }
      if (ch === '|') {
        out += '|';
        this._i++;
        continue;
      }
      out += this._piece(flags);
    }
    if (inGroup) throw new Re2Error(`missing closing ): \`${this._src}\``);
    return out;
  }

  private _piece(flags: Flags): string {
    const atom = this._atom(flags);
    if (atom === '') return '';
    const q = this._quantifier(flags);
    return q === '' ? atom : `(?:${atom})${q}`;
  }

  private _quantifier(flags: Flags): string {
    const rest = this._src.slice(this._i);
    const m = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/.exec(rest);
    if (!m) return '';
    if (m[1] !== undefined && (Number(m[1]) > 1000 || (m[3] && Number(m[3]) > 1000)))
      throw new Re2Error(`invalid repeat count: \`${m[0]}\``);
    if (m[3] && Number(m[3]) < Number(m[1])) throw new Re2Error(`invalid repeat count: \`${m[0]}\``);
    this._i += m[0].length;
    let lazy = false;
    if (this._peek() === '?') {
      lazy = true;
      this._i++;
    }
    if (/^[*+?{]/.test(this._src.slice(this._i))) {
      const next = /^(?:[*+?]|\{\d+(,\d*)?\})/.exec(this._src.slice(this._i));
      if (next) throw new Re2Error(`invalid nested repetition operator: \`${m[0]}${lazy ? '?' : ''}${next[0]}\``);
    }
    if (flags.U) lazy = !lazy;
    return m[0] + (lazy ? '?' : '');
  }

  private _atom(flags: Flags): string {
    const ch = this._peek();
    if (ch === '(') return this._group(flags);
    if (ch === '[') return this._class(flags);
    if (ch === '*' || ch === '+' || ch === '?')
      throw new Re2Error(`missing argument to repetition operator: \`${ch}\``);
    if (ch === '\\') return this._escape(flags, false);
    this._i += ch.length;
    const code = ch.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdbff) {
      const pair = ch + this._peek();
      this._i++;
      return flags.i && !this.jsIgnoreCase ? caseless(pair, false) : pair;
    }
    switch (ch) {
      case '.':
        return flags.s ? '[\\s\\S]' : '[^\\n]';
      case '^':
        return flags.m ? '(?<=^|\\n)' : '^';
      case '$':
        return flags.m ? '(?=\\n|$)' : '$';
      case '{': {
        const m = /^\{\d+(,\d*)?\}/.exec(this._src.slice(this._i - 1));
        if (m) throw new Re2Error(`missing argument to repetition operator: \`${m[0]}\``);
        return '\\{';
      }
      default:
        return flags.i && !this.jsIgnoreCase ? caseless(ch, false) : literal(ch, false);
    }
  }

  private _group(flags: Flags): string {
    const rest = this._src.slice(this._i);
    let m = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest);
    if (m) {
      if (this._groupNames.has(m[1])) throw new Re2Error(`duplicate capture group name: \`${m[1]}\``);
      this._groupNames.add(m[1]);
      this._i += m[0].length;
      const body = this._alternation({ ...flags }, true);
      this._i++;
      return `(?<${m[1]}>${body})`;
    }
    m = /^\(\?(-?[imsU]+|[imsU]+-[imsU]*)?(:|\))/.exec(rest);
    if (m && (m[1] !== undefined || m[2] === ':')) {
      const scoped = { ...flags };
      let on = true;
      for (const f of m[1] ?? '') {
        if (f === '-') on = false;
        else scoped[f as keyof Flags] = on;
      }
      if (this.jsIgnoreCase && !scoped.i) throw new Re2Error(`turning (?i) off after a leading (?i) is not supported`);
      this._i += m[0].length;
      if (m[2] === ')') {
        Object.assign(flags, scoped);
        return '';
      }
      const body = this._alternation(scoped, true);
      this._i++;
      return `(?:${body})`;
    }
    if (rest.startsWith('(?')) {
      const end = rest.indexOf(')');
      throw new Re2Error(`invalid or unsupported Perl syntax: \`${rest.slice(0, end < 0 ? 3 : Math.min(end, 3))}\``);
    }
    this._i++;
    const body = this._alternation({ ...flags }, true);
    this._i++;
    return `(${body})`;
  }

  private _class(flags: Flags): string {
    const start = this._i;
    this._i++;
    let negated = false;
    if (this._peek() === '^') {
      negated = true;
      this._i++;
    }
    let body = '';
    let first = true;
    // Bounded: every pass consumes input or leaves the loop.
    while (this._i < this._src.length) {
      const ch = this._peek();
      if (ch === ']' && !first) {
        this._i++;
        if (body === '' && !negated) return '[]';
        return `[${negated ? '^' : ''}${body}]`;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this._src.slice(this._i));
      if (posix) {
        const set = POSIX[posix[2]];
        if (set === undefined) throw new Re2Error(`invalid character class range: \`${posix[0]}\``);
        if (posix[1]) throw new Re2Error(`negated POSIX class ${posix[0]} inside a class is not supported`);
        body += set;
        this._i += posix[0].length;
        continue;
      }
      const low = this._classAtom(flags);
      if (this._peek() === '-' && this._peek(1) !== ']' && this._peek(1) !== '') {
        this._i++;
        const high = this._classAtom(flags);
        if (low.cp === undefined || high.cp === undefined)
          throw new Re2Error(`invalid character class range: \`${this._src.slice(start, this._i)}\``);
        if (high.cp < low.cp)
          throw new Re2Error(
            `invalid character class range: \`${this._src.slice(start + 1, this._i).replace(/^\^/, '')}\``
          );
        body += `${low.src}-${high.src}`;
        if (flags.i && !this.jsIgnoreCase) body += this._foldRange(low.cp, high.cp);
        continue;
      }
      body += low.src;
      if (flags.i && !this.jsIgnoreCase && low.cp !== undefined) body += caseless(String.fromCodePoint(low.cp), true);
    }
    throw new Re2Error(`missing closing ]: \`${this._src.slice(start)}\``);
  }

  private _foldRange(low: number, high: number): string {
    if (high > 0x7f) throw new Re2Error('a case-insensitive range beyond ASCII after a scoped (?i) is not supported');
    let extra = '';
    for (let c = low; c <= high; c++) {
      const ch = String.fromCharCode(c);
      const other = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
      if (other !== ch) extra += literal(other, true);
    }
    return extra;
  }

  private _classAtom(flags: Flags): { src: string; cp?: number } {
    const ch = this._peek();
    if (ch === '\\') {
      const src = this._escape(flags, true);
      const cp = /^\\u\{([0-9a-f]+)\}$/i.exec(src);
      if (cp) return { src, cp: parseInt(cp[1], 16) };
      if (/^\\[\\^$.*+?()[\]{}|/-]$/.test(src)) return { src, cp: src.codePointAt(1) };
      return { src };
    }
    const code = this._src.codePointAt(this._i) as number;
    const text = String.fromCodePoint(code);
    this._i += text.length;
    return { src: literal(text, true), cp: code };
  }

  private _escape(flags: Flags, inClass: boolean): string {
    const next = this._peek(1);
    this._i += 2;
    if (next === '') throw new Re2Error('trailing backslash at end of expression: ``');
    if (next === 'Q') {
      const end = this._src.indexOf('\\E', this._i);
      const text = this._src.slice(this._i, end < 0 ? undefined : end);
      this._i = end < 0 ? this._src.length : end + 2;
      return [...text]
        .map((c) => (flags.i && !this.jsIgnoreCase ? caseless(c, inClass) : literal(c, inClass)))
        .join('');
    }
    if (next === 'A' && !inClass) return '^';
    if (next === 'z' && !inClass) return '$';
    if ((next === 'b' || next === 'B') && !inClass) return '\\' + next;
    if (PERL_CLASSES[next] !== undefined) return inClass ? PERL_CLASSES[next] : `[${PERL_CLASSES[next]}]`;
    const upper = next.toLowerCase();
    if (PERL_CLASSES[upper] !== undefined && next !== upper) {
      if (inClass) throw new Re2Error(`\\${next} inside a character class is not supported`);
      return `[^${PERL_CLASSES[upper]}]`;
    }
    if (next === 'p' || next === 'P') return this._unicodeClass(next);
    if (next === 'x') {
      const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(this._src.slice(this._i));
      if (!m) throw new Re2Error(`invalid escape sequence: \`\\x\``);
      this._i += m[0].length;
      return `\\u{${(m[1] ?? m[2]).toLowerCase()}}`;
    }
    if (/[0-7]/.test(next)) {
      const m = /^[0-7]{0,2}/.exec(this._src.slice(this._i)) as RegExpExecArray;
      if (next !== '0' && m[0] === '' && !inClass) throw new Re2Error(`invalid escape sequence: \`\\${next}\``);
      this._i += m[0].length;
      return `\\u{${parseInt(next + m[0], 8).toString(16)}}`;
    }
    const controls: Record<string, string> = { a: '\\x07', f: '\\f', t: '\\t', n: '\\n', r: '\\r', v: '\\v' };
    if (controls[next] !== undefined) return controls[next];
    if (/[!-/:-@[-`{-~]/.test(next)) return literal(next, inClass);
    throw new Re2Error(`invalid escape sequence: \`\\${next}\``);
  }

  private _unicodeClass(kind: string): string {
    let name: string;
    if (this._peek() === '{') {
      const end = this._src.indexOf('}', this._i);
      if (end < 0) throw new Re2Error(`invalid character class range: \`\\${kind}${this._src.slice(this._i)}\``);
      name = this._src.slice(this._i + 1, end);
      this._i = end + 1;
    } else {
      name = this._peek();
      this._i++;
    }
    let negate = kind === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const property = GENERAL_CATEGORIES.test(name) ? name : name === 'Any' ? 'Any' : `Script=${name}`;
    try {
      new RegExp(`\\p{${property}}`, 'u');
    } catch {
      throw new Re2Error(`invalid character class range: \`\\${kind}{${name}}\``);
    }
    return `\\${negate ? 'P' : 'p'}{${property}}`;
  }
}

/** Translates RE2 `source` to a JS RegExp (flag `u`, plus `i` for a leading `(?i)`). */
export function compileRe2(source: string, anchored = false): RegExp {
  const translator = new Translator(source);
  const body = translator.translate();
  const flags = translator.jsIgnoreCase ? 'iu' : 'u';
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (err) {
    throw new Re2Error(`cannot translate \`${source}\` to a JavaScript regular expression: ${(err as Error).message}`);
  }
}

/** Names of the capture groups in order, `''` for unnamed ones (Go's `SubexpNames()[1:]`). */
export function captureNames(source: string): string[] {
  const names: string[] = [];
  const re = /\\.|\[(?:\\.|[^\]])*\]|\((\?P?<([A-Za-z0-9_]+)>|\?)?/g;
  for (const m of source.matchAll(re)) {
    if (!m[0].startsWith('(')) continue;
    if (m[1] === '?') continue;
    names.push(m[2] ?? '');
  }
  return names;
}
