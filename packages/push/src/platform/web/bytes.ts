/**
 * Bytes and UTF-8 where there is no `Buffer` (browsers, Cloudflare Workers without
 * `nodejs_compat`, edge runtimes): `Uint8Array`, `TextEncoder` and `TextDecoder`. Selected by
 * the package's `imports` field under the `workerd`, `worker`, `browser` and `edge-light`
 * conditions; the same functions as `../node/bytes`, the same bytes.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Characters per `String.fromCharCode` call in {@link base64}: well under engines' argument limits. */
const BASE64_CHUNK = 0x8000;

/** A new byte array of `size` bytes. */
export function allocBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

/** Bytes of `s` in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes), without encoding it. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Writes `s` as UTF-8 into `buf` at `pos`; room for `3 * s.length` bytes is there. Returns
 * the bytes written.
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  return encoder.encodeInto(s, buf.subarray(pos)).written;
}

/** `s` in UTF-8. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** UTF-8 bytes as a string, invalid sequences as U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Standard base64 of `bytes`. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.byteLength; i += BASE64_CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK));
  }
  return btoa(binary);
}
