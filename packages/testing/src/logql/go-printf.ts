/**
 * Go's `fmt.Sprintf` for the verbs templates use, including Go's answers to mismatches:
 * `%!f(string=1)` (the value printed with `%v` and the verb's precision), `%!d(MISSING)`,
 * `%!(EXTRA string=x)`.
 *
 * @see https://pkg.go.dev/fmt
 */
import { formatGoFloatG, formatGoValue, GoFloat, GoInt, goTypeName } from './go-values';
import type { GoValue } from './go-values';

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width?: number;
  precision?: number;
}

function padTo(text: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || text.length >= spec.width) return text;
  if (spec.minus) return text.padEnd(spec.width, ' ');
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(text) ? text[0] : '';
    return sign + text.slice(sign.length).padStart(spec.width - sign.length, '0');
  }
  return text.padStart(spec.width, ' ');
}

function withSign(text: string, negative: boolean, spec: Spec): string {
  if (negative) return '-' + text;
  if (spec.plus) return '+' + text;
  if (spec.space) return ' ' + text;
  return text;
}

function goQuoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function formatFloat(v: number, verb: string, spec: Spec): string {
  if (!Number.isFinite(v)) {
    const text = Number.isNaN(v) ? 'NaN' : v > 0 ? (spec.plus ? '+Inf' : 'Inf') : '-Inf';
    return padTo(spec.space && v > 0 ? ' ' + text : text, { ...spec, zero: false }, false);
  }
  const negative = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  let body: string;
  switch (verb) {
    case 'f':
    case 'F':
      body = abs.toFixed(spec.precision ?? 6);
      break;
    case 'e':
    case 'E': {
      const e = abs.toExponential(spec.precision ?? 6);
      body = e.replace(/e([+-])(\d)$/, 'e$10$2');
      if (verb === 'E') body = body.toUpperCase();
      break;
    }
    default:
      body = formatGoFloatG(abs, spec.precision ?? -1);
      if (verb === 'G') body = body.toUpperCase();
  }
  return padTo(withSign(body, negative, spec), spec, true);
}

function formatInt(v: number, verb: string, spec: Spec): string {
  const negative = v < 0;
  const abs = Math.abs(v);
  let body: string;
  switch (verb) {
    case 'x':
      body = abs.toString(16);
      if (spec.sharp) body = '0x' + body;
      break;
    case 'X':
      body = abs.toString(16).toUpperCase();
      if (spec.sharp) body = '0X' + body;
      break;
    case 'o':
      body = abs.toString(8);
      break;
    case 'b':
      body = abs.toString(2);
      break;
    case 'c':
      return padTo(String.fromCodePoint(abs), spec, false);
    default:
      body = String(abs);
  }
  if (spec.precision !== undefined) body = body.padStart(spec.precision, '0');
  return padTo(withSign(body, negative, spec), spec, spec.precision === undefined);
}

/** One operand with one verb, or `undefined` when the verb does not apply to its type. */
function formatOne(arg: GoValue, verb: string, spec: Spec): string | undefined {
  if (verb === 'v') {
    if (arg instanceof GoFloat) return formatFloat(arg.value, 'g', spec);
    if (arg instanceof GoInt) return formatInt(arg.value, 'd', spec);
    let text = formatGoValue(arg);
    if (typeof arg === 'string' && spec.precision !== undefined) text = [...text].slice(0, spec.precision).join('');
    return padTo(text, spec, false);
  }
  if (verb === 'T') return padTo(goTypeName(arg), spec, false);
  if (typeof arg === 'string') {
    if (verb === 's') {
      const text = spec.precision !== undefined ? [...arg].slice(0, spec.precision).join('') : arg;
      return padTo(text, spec, false);
    }
    if (verb === 'q') return padTo(goQuoteString(arg), spec, false);
    if (verb === 'x' || verb === 'X') {
      const hex = Buffer.from(arg, 'utf8').toString('hex');
      return padTo(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
    }
    return undefined;
  }
  if (typeof arg === 'boolean') return verb === 't' ? padTo(String(arg), spec, false) : undefined;
  if (arg instanceof GoInt) return 'dbocxXU'.includes(verb) ? formatInt(arg.value, verb, spec) : undefined;
  if (arg instanceof GoFloat) return 'eEfFgGxX'.includes(verb) ? formatFloat(arg.value, verb, spec) : undefined;
  if (verb === 's') return padTo(formatGoValue(arg), spec, false);
  return undefined;
}

/** Go's `fmt.Sprintf(format, args...)`. */
export function goSprintf(format: string, args: GoValue[]): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  // Bounded: every pass consumes at least one character of the format.
  while (i < format.length) {
    const ch = format[i];
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length && '-+ 0#'.includes(format[i]); i++) {
      const flag = format[i];
      if (flag === '-') spec.minus = true;
      else if (flag === '+') spec.plus = true;
      else if (flag === ' ') spec.space = true;
      else if (flag === '0') spec.zero = true;
      else spec.sharp = true;
    }
    const width = /^\d+/.exec(format.slice(i));
    if (width) {
      spec.width = Number(width[0]);
      i += width[0].length;
    }
    if (format[i] === '.') {
      i++;
      const precision = /^\d*/.exec(format.slice(i)) as RegExpExecArray;
      spec.precision = Number(precision[0] || '0');
      i += precision[0].length;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    const formatted = formatOne(arg, verb, spec);
    if (formatted !== undefined) {
      out += formatted;
      continue;
    }
    out +=
      arg === null
        ? `%!${verb}(<nil>)`
        : `%!${verb}(${goTypeName(arg)}=${formatOne(arg, 'v', { ...spec, width: undefined })})`;
  }
  if (argIndex < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argIndex)
        .map((a) => (a === null ? '<nil>' : `${goTypeName(a)}=${formatGoValue(a)}`))
        .join(', ') +
      ')';
  }
  return out;
}
