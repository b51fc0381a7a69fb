/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib and PNG). `zlib.crc32` (native) is used when Node
 * has it (20.15+, 22.2+); older Node 20 releases, which the engines range allows, get a
 * slicing-by-8 implementation (eight bytes per step through eight 256-entry tables: about 3x
 * the byte-at-a-time table).
 */
import * as zlib from 'node:zlib';

const POLYNOMIAL = 0xedb88320;
const SLICES = 8;

const TABLES: Uint32Array = (() => {
  const tables = new Uint32Array(256 * SLICES);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let s = 1; s < SLICES; s++) {
      const previous = tables[(s - 1) * 256 + n];
      tables[s * 256 + n] = (previous >>> 8) ^ tables[previous & 0xff];
    }
  }
  return tables;
})();

/** CRC-32 in JavaScript (exported for tests that compare it with the native one). */
export function crc32Js(bytes: Uint8Array, previous = 0): number {
  const t = TABLES;
  let crc = ~previous;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const a = (crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    crc =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes`, continuing from `previous` (0 to start). */
export const crc32: (bytes: Uint8Array, previous?: number) => number =
  native === undefined
    ? crc32Js
    : // Node 20's zlib.crc32 answers 0 for empty input whatever the running value: keep the value.
      (bytes, previous = 0) => (bytes.length === 0 ? previous >>> 0 : native(bytes, previous));
