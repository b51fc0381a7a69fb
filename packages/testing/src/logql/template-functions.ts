/**
 * The functions LogQL templates can call: Go's template builtins (`printf`, `eq`, `and`, ...),
 * Loki's own (`__line__`, `__timestamp__`, `regexReplaceAll`, `unixEpochMillis`, `alignLeft`,
 * ...) and the sprig subset Loki exposes (`upper`, `trunc`, `default`, `date`, `addf`, ...).
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/fmt.go
 * @see https://masterminds.github.io/sprig/
 */
import { goSprintf } from './go-printf';
import { formatGoTimeLayout, formatGoValue, GoFloat, GoInt, GoTime, goTypeName } from './go-values';
import type { GoValue } from './go-values';
import { compileRe2 } from './re2';
import { goParseBytes, goParseDuration, goSeconds } from './units';

/** What a template run sees: the label map, the line and its timestamp. */
export interface TemplateContext {
  data: Map<string, GoValue>;
  line: string;
  tsNanos: bigint;
}

type Fn = (args: GoValue[], ctx: TemplateContext) => GoValue;

function str(value: GoValue): string {
  if (typeof value !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(value)}`);
  return value;
}

function int(value: GoValue): number {
  if (value instanceof GoInt) return value.value;
  throw new Error(`wrong type for value; expected int; got ${goTypeName(value)}`);
}

/** spf13/cast's `ToInt64`: strings parse (base 0), floats truncate, anything else is 0. */
function toInt64(value: GoValue): number {
  if (value instanceof GoInt) return value.value;
  if (value instanceof GoFloat) return Math.trunc(value.value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9]\d*|0)$/.test(s))
      return Number(s.replace(/^([+-]?)0([0-7]+)$/, '$10o$2'));
    return 0;
  }
  return 0;
}

/** spf13/cast's `ToFloat64`. */
function toFloat64(value: GoValue): number {
  if (value instanceof GoInt || value instanceof GoFloat) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : 0;
  }
  return 0;
}

/** Go template truth: false, 0, "", nil and empty collections are false. */
export function truth(value: GoValue): boolean {
  if (value === null || value === false || value === '') return false;
  if (value instanceof GoInt || value instanceof GoFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  return true;
}

function compare(op: string, a: GoValue, b: GoValue): boolean {
  const numeric = (v: GoValue): boolean => v instanceof GoInt || v instanceof GoFloat;
  if (numeric(a) && numeric(b)) {
    if (a instanceof GoInt !== b instanceof GoInt) throw new Error('incompatible types for comparison');
    const x = (a as GoInt).value;
    const y = (b as GoInt).value;
    return op === 'eq' ? x === y : op === 'lt' ? x < y : x <= y;
  }
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'boolean')) {
    if (op === 'eq' && (a === null || b === null)) return a === b;
    throw new Error('incompatible types for comparison');
  }
  if (op !== 'eq' && typeof a === 'boolean') throw new Error('invalid type for comparison');
  return op === 'eq' ? a === b : op === 'lt' ? (a as string) < (b as string) : (a as string) <= (b as string);
}

function timeArg(value: GoValue): bigint {
  if (value instanceof GoTime) return value.nanos;
  if (value instanceof GoInt) return BigInt(value.value) * 1_000_000_000n;
  throw new Error(`wrong type for value; expected time.Time; got ${goTypeName(value)}`);
}

function goTrim(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (left && start < end && set.has(chars[start])) start++;
  while (right && end > start && set.has(chars[end - 1])) end--;
  return chars.slice(start, end).join('');
}

function regexReplace(literal: boolean) {
  return ([re, s, repl]: GoValue[]): GoValue => {
    const regex = compileRe2(str(re));
    const global = new RegExp(regex.source, regex.flags + 'g');
    if (literal) return str(s).replace(global, () => str(repl));
    // Go's $1 / ${name} expansion; `$$` is a literal dollar.
    const template = str(repl).replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_m, whole, braced, bare) =>
      whole === '$' ? '$$' : `$<__${braced ?? bare}>`
    );
    return str(s).replace(global, (...match) => {
      const groups = match[match.length - 1] as Record<string, string> | undefined;
      const numbered = match.slice(1, -2) as string[];
      return template.replace(/\$<__([A-Za-z0-9_]+)>|\$\$/g, (t, name: string | undefined) => {
        if (t === '$$') return '$';
        if (/^\d+$/.test(name as string)) return numbered[Number(name) - 1] ?? (Number(name) === 0 ? match[0] : '');
        return groups?.[name as string] ?? '';
      });
    });
  };
}

function sprintArgs(args: GoValue[], ln: boolean): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && (ln || (typeof a !== 'string' && typeof args[i - 1] !== 'string'))) out += ' ';
    out += formatGoValue(a);
  });
  return ln ? out + '\n' : out;
}

const FUNCTIONS: Readonly<Record<string, Fn>> = {
  __line__: (_a, ctx) => ctx.line,
  __timestamp__: (_a, ctx) => new GoTime(ctx.tsNanos),
  printf: ([format, ...rest]) => goSprintf(str(format), rest),
  print: (args) => sprintArgs(args, false),
  println: (args) => sprintArgs(args, true),
  len: ([v]) =>
    new GoInt(
      typeof v === 'string' ? Buffer.byteLength(v) : Array.isArray(v) ? v.length : v instanceof Map ? v.size : 0
    ),
  index: ([m, ...keys]) =>
    keys.reduce<GoValue>(
      (acc, k) => (acc instanceof Map ? (acc.get(str(k)) ?? null) : Array.isArray(acc) ? (acc[int(k)] ?? null) : null),
      m
    ),
  eq: ([a, ...rest]) => rest.some((b) => compare('eq', a, b)),
  ne: ([a, b]) => !compare('eq', a, b),
  lt: ([a, b]) => compare('lt', a, b),
  le: ([a, b]) => compare('le', a, b),
  gt: ([a, b]) => !compare('le', a, b),
  ge: ([a, b]) => !compare('lt', a, b),
  and: (args) => args.find((a) => !truth(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => truth(a)) ?? args[args.length - 1],
  not: ([a]) => !truth(a),
  html: (args) =>
    sprintArgs(args, false).replace(
      /[&'<>"\0]/g,
      (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c] as string
    ),
  urlquery: (args) => encodeURIComponent(sprintArgs(args, false)).replace(/%20/g, '+'),
  ToLower: ([s]) => str(s).toLowerCase(),
  ToUpper: ([s]) => str(s).toUpperCase(),
  Replace: ([s, o, n, c]) => {
    const count = int(c);
    let out = str(s);
    if (count < 0) return out.split(str(o)).join(str(n));
    for (let i = 0, at = 0; i < count; i++) {
      const idx = out.indexOf(str(o), at);
      if (idx < 0) break;
      out = out.slice(0, idx) + str(n) + out.slice(idx + str(o).length);
      at = idx + str(n).length;
    }
    return out;
  },
  Trim: ([s, c]) => goTrim(str(s), str(c), true, true),
  TrimLeft: ([s, c]) => goTrim(str(s), str(c), true, false),
  TrimRight: ([s, c]) => goTrim(str(s), str(c), false, true),
  TrimPrefix: ([s, p]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  TrimSuffix: ([s, p]) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  TrimSpace: ([s]) => str(s).trim(),
  regexReplaceAll: regexReplace(false),
  regexReplaceAllLiteral: regexReplace(true),
  count: ([re, s]) => new GoInt([...str(s).matchAll(new RegExp(compileRe2(str(re)).source, 'gu'))].length),
  urldecode: ([s]) => decodeURIComponent(str(s).replace(/\+/g, ' ')),
  urlencode: ([s]) =>
    encodeURIComponent(str(s))
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  bytes: ([s]) => {
    const r = goParseBytes(str(s));
    if ('error' in r) throw new Error(r.error);
    return new GoFloat(r.value);
  },
  duration: ([s]) => {
    const r = goParseDuration(str(s));
    if ('error' in r) throw new Error(r.error);
    return new GoFloat(goSeconds(r.value));
  },
  unixEpochMillis: ([t]) => (timeArg(t) / 1_000_000n).toString(),
  unixEpochNanos: ([t]) => timeArg(t).toString(),
  unixEpoch: ([t]) => (timeArg(t) / 1_000_000_000n).toString(),
  unixToTime: ([e]) => {
    const s = str(e);
    if (!/^-?\d+$/.test(s))
      throw new Error(`unable to parse time '${s}': strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
    const n = BigInt(s);
    const scale: Record<number, bigint> = {
      5: 86400n * 1_000_000_000n,
      10: 1_000_000_000n,
      13: 1_000_000n,
      16: 1000n,
      19: 1n,
    };
    if (scale[s.length] === undefined) throw new Error(`unable to parse time '${s}': <nil>`);
    return new GoTime(n * scale[s.length]);
  },
  alignLeft: ([c, s]) => {
    const runes = [...str(s)];
    const count = int(c);
    if (count < 0 || count === runes.length) return str(s);
    return count > runes.length ? str(s) + ' '.repeat(count - runes.length) : runes.slice(0, count).join('');
  },
  alignRight: ([c, s]) => {
    const runes = [...str(s)];
    const count = int(c);
    if (count < 0 || count === runes.length) return str(s);
    return count > runes.length
      ? ' '.repeat(count - runes.length) + str(s)
      : runes.slice(runes.length - count).join('');
  },
  b64enc: ([s]) => Buffer.from(str(s), 'utf8').toString('base64'),
  b64dec: ([s]) => Buffer.from(str(s), 'base64').toString('utf8'),
  lower: ([s]) => str(s).toLowerCase(),
  upper: ([s]) => str(s).toUpperCase(),
  title: ([s]) => str(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  trunc: ([c, s]) => {
    const n = toInt64(c);
    const text = str(s);
    if (n < 0 && -n < text.length) return text.slice(text.length + n);
    return n >= 0 && text.length > n ? text.slice(0, n) : text;
  },
  substr: ([a, b, s]) => {
    const start = toInt64(a);
    const end = toInt64(b);
    const text = str(s);
    if (start < 0) return text.slice(0, end);
    if (end < 0 || end > text.length) return text.slice(start);
    return text.slice(start, end);
  },
  contains: ([sub, s]) => str(s).includes(str(sub)),
  hasPrefix: ([p, s]) => str(s).startsWith(str(p)),
  hasSuffix: ([p, s]) => str(s).endsWith(str(p)),
  indent: ([n, s]) =>
    ' '.repeat(toInt64(n)) +
    str(s)
      .split('\n')
      .join('\n' + ' '.repeat(toInt64(n))),
  nindent: ([n, s]) =>
    '\n' +
    ' '.repeat(toInt64(n)) +
    str(s)
      .split('\n')
      .join('\n' + ' '.repeat(toInt64(n))),
  replace: ([o, n, s]) => str(s).split(str(o)).join(str(n)),
  repeat: ([n, s]) => str(s).repeat(Math.max(0, toInt64(n))),
  trim: ([s]) => str(s).trim(),
  trimAll: ([c, s]) => goTrim(str(s), str(c), true, true),
  trimSuffix: ([p, s]) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  trimPrefix: ([p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  int: ([v]) => new GoInt(toInt64(v)),
  float64: ([v]) => new GoFloat(toFloat64(v)),
  add: (args) => new GoInt(args.reduce<number>((a, v) => a + toInt64(v), 0)),
  sub: ([a, b]) => new GoInt(toInt64(a) - toInt64(b)),
  mul: ([a, ...rest]) => new GoInt(rest.reduce<number>((acc, v) => acc * toInt64(v), toInt64(a))),
  div: ([a, b]) => new GoInt(Math.trunc(toInt64(a) / toInt64(b))),
  mod: ([a, b]) => new GoInt(toInt64(a) % toInt64(b)),
  addf: (args) => new GoFloat(decimal(args.reduce<number>((a, v) => a + toFloat64(v), 0))),
  subf: ([a, ...rest]) => new GoFloat(decimal(rest.reduce<number>((acc, v) => acc - toFloat64(v), toFloat64(a)))),
  mulf: ([a, ...rest]) => new GoFloat(decimal(rest.reduce<number>((acc, v) => acc * toFloat64(v), toFloat64(a)))),
  divf: ([a, ...rest]) => new GoFloat(decimal(rest.reduce<number>((acc, v) => acc / toFloat64(v), toFloat64(a)))),
  max: ([a, ...rest]) => new GoInt(Math.max(toInt64(a), ...rest.map(toInt64))),
  min: ([a, ...rest]) => new GoInt(Math.min(toInt64(a), ...rest.map(toInt64))),
  maxf: ([a, ...rest]) => new GoFloat(Math.max(toFloat64(a), ...rest.map(toFloat64))),
  minf: ([a, ...rest]) => new GoFloat(Math.min(toFloat64(a), ...rest.map(toFloat64))),
  ceil: ([a]) => new GoFloat(Math.ceil(toFloat64(a))),
  floor: ([a]) => new GoFloat(Math.floor(toFloat64(a))),
  round: ([a, p, r]) => {
    const pow = 10 ** toInt64(p);
    const roundOn = r === undefined ? 0.5 : toFloat64(r);
    const digit = toFloat64(a) * pow;
    const whole = Math.trunc(digit);
    const fraction = digit - whole;
    return new GoFloat((fraction >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow);
  },
  fromJson: ([s]) => {
    try {
      return jsonToGo(JSON.parse(str(s)));
    } catch {
      return null;
    }
  },
  date: ([layout, t]) => formatGoTimeLayout(timeArg(t), str(layout)),
  now: () => new GoTime(BigInt(Date.now()) * 1_000_000n),
  default: ([d, ...given]) => (given.length > 0 && truth(given[0]) ? given[0] : d),
  toDate: ([layout, s]) => new GoTime(parseWithLayout(str(layout), str(s))),
  toDateInZone: ([layout, , s]) => new GoTime(parseWithLayout(str(layout), str(s))),
};

/** sprig's float helpers go through shopspring/decimal: sums of decimals stay decimal. */
function decimal(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(15)) : v;
}

function jsonToGo(v: unknown): GoValue {
  if (v === null) return null;
  if (typeof v === 'number') return new GoFloat(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonToGo);
  return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, jsonToGo(x)]));
}

/** `time.Parse` for numeric layouts (`2006-01-02T15:04:05Z07:00` and the like); the zero time when it does not match. */
function parseWithLayout(layout: string, text: string): bigint {
  const parts: Record<string, string> = {};
  const keys = ['2006', '01', '02', '15', '04', '05', 'Z07:00', '.999999999', '.000'];
  let re = '';
  const order: string[] = [];
  for (let i = 0; i < layout.length;) {
    const key = keys.find((k) => layout.startsWith(k, i));
    if (key) {
      order.push(key);
      re += key === 'Z07:00' ? '(Z|[+-]\\d{2}:\\d{2})' : key.startsWith('.') ? '(\\.\\d+)?' : `(\\d{${key.length}})`;
      i += key.length;
    } else {
      re += layout[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  const m = new RegExp(`^${re}$`).exec(text);
  const zero = -62135596800n * 1_000_000_000n;
  if (!m) return zero;
  order.forEach((k, i) => (parts[k] = m[i + 1] ?? ''));
  const iso = `${parts['2006'] ?? '0001'}-${parts['01'] ?? '01'}-${parts['02'] ?? '01'}T${parts['15'] ?? '00'}:${parts['04'] ?? '00'}:${parts['05'] ?? '00'}${parts['Z07:00'] ?? 'Z'}`;
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) return zero;
  const fraction = (parts['.999999999'] ?? parts['.000'] ?? '').slice(1).padEnd(9, '0').slice(0, 9);
  return BigInt(millis) * 1_000_000n + BigInt(fraction || '0');
}

/** True when templates may call `name`. */
export function isKnownFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

/** Calls a template function; errors read as Go's `error calling <name>: <msg>`. */
export function callFunction(name: string, args: GoValue[], ctx: TemplateContext): GoValue {
  try {
    return FUNCTIONS[name](args, ctx);
  } catch (err) {
    throw new Error(`error calling ${name}: ${(err as Error).message}`);
  }
}
