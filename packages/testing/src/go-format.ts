/**
 * Go's formatting of times and runes, so that messages read exactly as Loki writes them.
 * Loki runs in UTC in its images; times are formatted in UTC.
 */

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function splitNanos(nanos: bigint): { date: Date; fraction: bigint } {
  let seconds = nanos / NANOS_PER_SECOND;
  let fraction = nanos - seconds * NANOS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += NANOS_PER_SECOND;
  }
  return { date: new Date(Number(seconds) * 1000), fraction };
}

function datePart(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

function clockPart(date: Date): string {
  return `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
}

/** Go's `t.Format(time.RFC3339)` in UTC: `2024-05-01T10:00:00Z` (no fraction). */
export function formatRfc3339(nanos: bigint): string {
  const { date } = splitNanos(nanos);
  return `${datePart(date)}T${clockPart(date)}Z`;
}

/** Go's `t.String()` in UTC: `2024-05-01 10:00:00.5 +0000 UTC` (fraction without trailing zeros). */
export function formatGoTime(nanos: bigint): string {
  const { date, fraction } = splitNanos(nanos);
  const digits = fraction === 0n ? '' : '.' + fraction.toString().padStart(9, '0').replace(/0+$/, '');
  return `${datePart(date)} ${clockPart(date)}${digits} +0000 UTC`;
}

/** Milliseconds to nanoseconds. */
export function millisToNanos(millis: number): bigint {
  return BigInt(Math.trunc(millis)) * NANOS_PER_MILLI;
}

/** Runes Go's `strconv.IsPrint` accepts (categories L, M, N, P, S and the ASCII space). */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `%#U` of a rune: `U+0071 'q'`, or `U+000A` when not printable. */
export function goRuneVerb(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
  return GO_PRINTABLE.test(ch) ? `${hex} '${ch}'` : hex;
}

const RUNE_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  "'": "\\'",
  '\\': '\\\\',
};

/** Go's `%q` of a rune: `'.'`, `'\n'`, `'\x00'`. */
export function goQuoteRune(ch: string): string {
  const simple = RUNE_ESCAPES[ch];
  if (simple !== undefined) return `'${simple}'`;
  if (GO_PRINTABLE.test(ch)) return `'${ch}'`;
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x80) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  if (code < 0x10000) return `'\\u${code.toString(16).padStart(4, '0')}'`;
  return `'\\U${code.toString(16).padStart(8, '0')}'`;
}
