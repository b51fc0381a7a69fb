/**
 * Go values as LogQL templates see them (strings, int, float64, bool, time.Time, nil) and Go's
 * `fmt` formatting of them: `%v`, `%s`, `%d`, `%f`, `%q`, `%x`, `%e`, `%g`, `%t`, with flags,
 * width, precision and Go's `%!verb(type=value)` for mismatches.
 */

/** A Go `int` (or `int64`). */
export class GoInt {
  constructor(readonly value: number) {}
}

/** A Go `float64`. */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A Go `time.Time` (UTC), in nanoseconds since the epoch. */
export class GoTime {
  constructor(readonly nanos: bigint) {}
}

export type GoValue = string | boolean | GoInt | GoFloat | GoTime | null | GoValue[] | Map<string, GoValue>;

/** Go's type name of a value, as `%!d(string=x)` prints it. */
export function goTypeName(value: GoValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof GoInt) return 'int';
  if (value instanceof GoFloat) return 'float64';
  if (value instanceof GoTime) return 'time.Time';
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof Map) return 'map[string]interface {}';
  return '<nil>';
}

/** Go's `strconv.FormatFloat(v, 'g', -1, 64)` as `%v` prints a float64 (`1e+06`, `0.1`, `3`). */
export function formatGoFloatG(v: number, precision = -1): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let exp: number;
  let digits: string;
  if (precision < 0) {
    const e = v.toExponential();
    const [mant, ex] = e.split('e');
    digits = mant.replace('-', '').replace('.', '');
    exp = Number(ex);
  } else {
    const p = precision === 0 ? 1 : precision;
    const e = v.toExponential(p - 1);
    const [mant, ex] = e.split('e');
    digits = mant.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
    exp = Number(ex);
  }
  const sign = v < 0 ? '-' : '';
  const eprec = precision < 0 ? 21 : precision === 0 ? 1 : precision;
  if (exp < -4 || exp >= eprec) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ex = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ex}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width: number, ch = '0'): string {
  return String(n).padStart(width, ch);
}

/** Go's `time.Format` in UTC for the common layout elements. */
export function formatGoTimeLayout(nanos: bigint, layout: string): string {
  let seconds = nanos / 1_000_000_000n;
  let frac = nanos % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    seconds -= 1n;
  }
  const d = new Date(Number(seconds) * 1000);
  const fracDigits = frac.toString().padStart(9, '0');
  const tokens: Array<[string, () => string]> = [
    ['January', () => MONTHS[d.getUTCMonth()]],
    ['Monday', () => DAYS[d.getUTCDay()]],
    ['2006', () => pad(d.getUTCFullYear(), 4)],
    ['MST', () => 'UTC'],
    ['Jan', () => MONTHS[d.getUTCMonth()].slice(0, 3)],
    ['Mon', () => DAYS[d.getUTCDay()].slice(0, 3)],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['Z07:00', () => 'Z'],
    ['Z0700', () => 'Z'],
    ['.000000000', () => '.' + fracDigits],
    ['.999999999', () => (frac === 0n ? '' : '.' + fracDigits.replace(/0+$/, ''))],
    ['.000000', () => '.' + fracDigits.slice(0, 6)],
    [
      '.999999',
      () => (fracDigits.slice(0, 6).replace(/0+$/, '') ? '.' + fracDigits.slice(0, 6).replace(/0+$/, '') : ''),
    ],
    ['.000', () => '.' + fracDigits.slice(0, 3)],
    ['.999', () => (fracDigits.slice(0, 3).replace(/0+$/, '') ? '.' + fracDigits.slice(0, 3).replace(/0+$/, '') : '')],
    ['01', () => pad(d.getUTCMonth() + 1, 2)],
    ['02', () => pad(d.getUTCDate(), 2)],
    ['_2', () => pad(d.getUTCDate(), 2, ' ')],
    ['15', () => pad(d.getUTCHours(), 2)],
    ['03', () => pad(d.getUTCHours() % 12 || 12, 2)],
    ['04', () => pad(d.getUTCMinutes(), 2)],
    ['05', () => pad(d.getUTCSeconds(), 2)],
    ['06', () => pad(d.getUTCFullYear() % 100, 2)],
    ['PM', () => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
    ['pm', () => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
    ['1', () => String(d.getUTCMonth() + 1)],
    ['2', () => String(d.getUTCDate())],
    ['3', () => String(d.getUTCHours() % 12 || 12)],
    ['4', () => String(d.getUTCMinutes())],
    ['5', () => String(d.getUTCSeconds())],
  ];
  let out = '';
  let i = 0;
  // Bounded: every pass consumes at least one character of the layout.
  while (i < layout.length) {
    const hit = tokens.find(([t]) => layout.startsWith(t, i));
    if (hit) {
      out += hit[1]();
      i += hit[0].length;
    } else {
      out += layout[i];
      i++;
    }
  }
  return out;
}

/** `%v` of a value (Go's `fmt.Sprint` of one operand). */
export function formatGoValue(value: GoValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof GoInt) return String(value.value);
  if (value instanceof GoFloat) return formatGoFloatG(value.value);
  if (value instanceof GoTime) return formatGoTimeLayout(value.nanos, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort();
    return `map[${keys.map((k) => `${k}:${formatGoValue(value.get(k) as GoValue)}`).join(' ')}]`;
  }
  return '<nil>';
}
