/**
 * Go's parsers of numbers, durations and byte sizes as Loki calls them, with their error texts
 * (`strconv.ParseFloat`, `time.ParseDuration`, Prometheus' `model.ParseDuration`, go-humanize's
 * `ParseBytes`).
 */

const NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PROM_UNITS: ReadonlyArray<[string, number]> = [
  ['y', 365 * 24 * 3600e9],
  ['w', 7 * 24 * 3600e9],
  ['d', 24 * 3600e9],
  ['h', 3600e9],
  ['m', 60e9],
  ['s', 1e9],
  ['ms', 1e6],
];

/** Prometheus' `model.ParseDuration` (`1h30m`, `5m`, `0`), in nanoseconds; undefined when invalid. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') return undefined;
  let total = 0;
  PROM_UNITS.forEach(([, nanos], i) => {
    if (m[i + 1] !== undefined) total += Number(m[i + 1]) * nanos;
  });
  return total;
}

/** Go's `time.ParseDuration` in nanoseconds, or its error text. */
export function goParseDuration(text: string): { value: number } | { error: string } {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return { value: 0 };
  if (s === '') return { error: `time: invalid duration ${quoted}` };
  let total = 0;
  // Bounded: every pass consumes a number and a unit, or returns.
  while (s !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(s) as RegExpExecArray;
    if (num[0] === '' || num[0] === '.') return { error: `time: invalid duration ${quoted}` };
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') return { error: `time: missing unit in duration ${quoted}` };
    const nanos = NANOS[unit];
    if (nanos === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    total += Number(num[0]) * nanos;
    s = s.slice(unit.length);
  }
  return { value: sign * Math.round(total) };
}

/** Go's `time.ParseDuration` in nanoseconds; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  const result = goParseDuration(text);
  return 'value' in result ? result.value : undefined;
}

const GO_FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*(?:[pP][+-]?\d+)?|inf(?:inity)?|nan)$/i;

/** Go's `strconv.ParseFloat(s, 64)`, or its error text. */
export function goParseFloat(text: string): { value: number } | { error: string } {
  const invalid = { error: `strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax` };
  if (!GO_FLOAT.test(text) || !/[0-9a-z]/i.test(text) || /^[+-]?\.?$/.test(text)) return invalid;
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (/^-?inf(inity)?$/.test(lower)) return { value: lower.startsWith('-') ? -Infinity : Infinity };
  if (/^-?nan$/.test(lower)) return { value: NaN };
  if (/0x/.test(lower)) {
    const m = /^(-?)0x([0-9a-f_]*)\.?([0-9a-f_]*)p([+-]?\d+)$/.exec(lower);
    if (!m) return invalid;
    const mantissa = parseInt((m[2] + m[3]).replace(/_/g, '') || '0', 16) / 16 ** m[3].replace(/_/g, '').length;
    return { value: (m[1] ? -1 : 1) * mantissa * 2 ** Number(m[4]) };
  }
  if (lower.includes('_')) return invalid;
  const value = Number(lower);
  if (Number.isNaN(value)) return invalid;
  if (!Number.isFinite(value)) return { error: `strconv.ParseFloat: parsing ${goQuote(text)}: value out of range` };
  return { value };
}

/** Go's `%q` of a string (enough for error texts). */
export function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\u007f/g, '\\x7f');
}

const BYTE_SIZES: Readonly<Record<string, number>> = {
  b: 1,
  '': 1,
  kib: 1024,
  ki: 1024,
  kb: 1000,
  k: 1000,
  mib: 1024 ** 2,
  mi: 1024 ** 2,
  mb: 1000 ** 2,
  m: 1000 ** 2,
  gib: 1024 ** 3,
  gi: 1024 ** 3,
  gb: 1000 ** 3,
  g: 1000 ** 3,
  tib: 1024 ** 4,
  ti: 1024 ** 4,
  tb: 1000 ** 4,
  t: 1000 ** 4,
  pib: 1024 ** 5,
  pi: 1024 ** 5,
  pb: 1000 ** 5,
  p: 1000 ** 5,
  eib: 1024 ** 6,
  ei: 1024 ** 6,
  eb: 1000 ** 6,
  e: 1000 ** 6,
};

/** go-humanize's `ParseBytes` (`40KB` is 40 000, `1KiB` 1 024), or its error text. */
export function goParseBytes(text: string): { value: number } | { error: string } {
  const m = /^[\p{Nd}.,]*/u.exec(text) as RegExpExecArray;
  const num = m[0].replace(/,/g, '');
  const parsed = goParseFloat(num);
  if ('error' in parsed) return parsed;
  const unit = text.slice(m[0].length).trim().toLowerCase();
  const size = BYTE_SIZES[unit];
  if (size === undefined) return { error: `unhandled size name: ${unit}` };
  const value = parsed.value * size;
  if (value >= 2 ** 64) return { error: `too large: ${text}` };
  return { value: Math.trunc(value) };
}

/** go-humanize's `ParseBytes`; undefined when invalid. */
export function parseBytes(text: string): number | undefined {
  const result = goParseBytes(text);
  return 'value' in result ? result.value : undefined;
}

/** Go's `time.Duration.Seconds()`: whole seconds plus the nanoseconds over 1e9, as Go rounds it. */
export function goSeconds(nanos: number): number {
  const sec = Math.trunc(nanos / 1e9);
  const nsec = nanos - sec * 1e9;
  return sec + nsec / 1e9;
}
