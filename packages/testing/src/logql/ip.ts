/**
 * `ip("...")` filters: a single address, a CIDR (`10.1.0.0/16`) or a range (`a-b`), IPv4 or IPv6.
 * A line matches when any address-looking token in it matches; a label when its value does.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/ip.go
 */
import { LogqlParseError } from './errors';

/** An address as a 128-bit integer (IPv4 mapped into ::ffff:0:0/96) and its family. */
interface Address {
  value: bigint;
  v4: boolean;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith('0')) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let tail = 0n;
  let tailGroups = 0;
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4;
    tailGroups = 2;
    body = body.slice(0, lastColon + 1) + (body[lastColon - 1] === ':' ? '' : '0');
    if (!body.endsWith(':') && body.endsWith('0')) body = body.slice(0, -1);
    body = body.replace(/:$/, '') || ':';
    if (text.slice(0, lastColon + 1).endsWith('::')) body = text.slice(0, lastColon + 1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const total = 8 - tailGroups;
  if (halves.length === 1 && head.length !== total) return undefined;
  if (halves.length === 2 && head.length + rest.length > total - 1) return undefined;
  const all = [...head, ...Array(total - head.length - rest.length).fill('0'), ...rest];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return (value << BigInt(tailGroups * 16)) | tail;
}

function parseAddress(text: string): Address | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { value: v4, v4: true };
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { value: v6, v4: false };
}

/** A predicate over addresses for an `ip()` pattern; throws Loki's parse error when invalid. */
export function ipMatcher(pattern: string): (text: string) => boolean {
  const invalid = (): never => {
    throw new LogqlParseError(`invalid ip pattern: ${pattern}`);
  };
  let test: (a: Address) => boolean;
  if (pattern.includes('/')) {
    const [base, bitsText] = pattern.split('/');
    const addr = parseAddress(base) ?? invalid();
    const width = addr.v4 ? 32 : 128;
    const bits = /^\d+$/.test(bitsText) ? Number(bitsText) : invalid();
    if (bits > width) invalid();
    const shift = BigInt(width - bits);
    test = (a) => a.v4 === addr.v4 && a.value >> shift === addr.value >> shift;
  } else if (pattern.includes('-')) {
    const [lowText, highText] = pattern.split('-');
    const low = parseAddress(lowText.trim()) ?? invalid();
    const high = parseAddress(highText.trim()) ?? invalid();
    if (low.v4 !== high.v4 || high.value < low.value) invalid();
    test = (a) => a.v4 === low.v4 && a.value >= low.value && a.value <= high.value;
  } else {
    const addr = parseAddress(pattern) ?? invalid();
    test = (a) => a.v4 === addr.v4 && a.value === addr.value;
  }
  return (text) => {
    const addr = parseAddress(text);
    return addr !== undefined && test(addr);
  };
}

const CANDIDATE = /[0-9a-fA-F:.]+/g;

/** True when a token of `line` that reads as an address matches. */
export function lineHasMatchingIp(line: string, match: (text: string) => boolean): boolean {
  for (const m of line.matchAll(CANDIDATE)) {
    const text = m[0].replace(/^[.:]+|[.:]+$/g, (s) => (s.startsWith('::') || s.endsWith('::') ? s : ''));
    if (text.length >= 2 && match(text)) return true;
  }
  return false;
}
