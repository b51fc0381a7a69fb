/** UTF-8 sizes and truncation on character boundaries: Loki measures limits in bytes. */
import { utf8Length as byteLength } from '@otel-loki/push/internal';

/** UTF-8 length of `s`, without encoding when the answer is obvious. */
export function utf8Length(s: string): number {
  return s.length < 64 && isAscii(s) ? s.length : byteLength(s);
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
const ASCII = /^[\x00-\x7f]*$/;

function isAscii(s: string): boolean {
  return ASCII.test(s);
}

/** True when `s` takes more than `maxBytes` bytes in UTF-8. */
export function exceedsUtf8(s: string, maxBytes: number): boolean {
  if (s.length <= maxBytes / 3) return false;
  if (s.length > maxBytes) return true;
  return byteLength(s) > maxBytes;
}

/**
 * The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, never splitting a
 * character (nor a surrogate pair).
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  let bytes = 0;
  let i = 0;
  // Bounded by s.length: every pass consumes one or two code units.
  while (i < s.length) {
    const code = s.charCodeAt(i);
    let units = 1;
    let size: number;
    if (code < 0x80) size = 1;
    else if (code < 0x800) size = 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      size = 4;
      units = 2;
    } else size = 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += units;
  }
  return s.slice(0, i);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
