/**
 * Bytes and UTF-8 on Node (and Bun, Deno): `Buffer`, whose native UTF-8 writer and byte
 * counter are the fast paths of the encoders. The package's `imports` field maps
 * `#platform/bytes` here by default and to `../web/bytes` under the web conditions.
 */

/** A new byte array of `size` bytes, not zeroed (every caller writes before it reads). */
export function allocBytes(size: number): Uint8Array {
  return Buffer.allocUnsafe(size);
}

/** Bytes of `s` in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * `Buffer.prototype.utf8Write`: the native writer under `Buffer#write`, without its argument
 * parsing (a fifth of the cost of writing a 90-character line; protobufjs calls it too).
 * Undocumented, so looked up once, with `write` where a runtime lacks it.
 */
interface Utf8WritingBuffer extends Buffer {
  utf8Write(s: string, offset: number): number;
}
const HAS_UTF8_WRITE = typeof (Buffer.prototype as Partial<Utf8WritingBuffer>).utf8Write === 'function';

/** `s` in UTF-8. */
export function utf8Bytes(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/** UTF-8 bytes as a string, invalid sequences as U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Standard base64 of `bytes`. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Writes `s` as UTF-8 into `buf` (made by {@link allocBytes}) at `pos`; room for
 * `3 * s.length` bytes is there. Returns the bytes written.
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  return HAS_UTF8_WRITE ? (buf as Utf8WritingBuffer).utf8Write(s, pos) : (buf as Buffer).write(s, pos);
}
