/**
 * UTF-8 sizes and base64 for the sibling packages, from this runtime's implementation
 * (`Buffer` on Node, `TextEncoder` under the web conditions), so that they need no `Buffer`
 * of their own.
 */
import { base64 as platformBase64, utf8Length as platformUtf8Length } from '#platform/bytes';

/** Bytes of `s` in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  return platformUtf8Length(s);
}

/** Standard base64 of `bytes`. */
export function base64(bytes: Uint8Array): string {
  return platformBase64(bytes);
}
