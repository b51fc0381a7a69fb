/**
 * Snappy block format (not the framed format), the compression Loki expects on protobuf pushes.
 * Compression uses the native `snappy` package on Node when it is installed and loads (an
 * optional dependency: prebuilt for common platforms, faster than our JavaScript compressor on
 * push bodies: docs/benchmarks.md has the figures; loaded by `#platform/codec`, never in a
 * web bundle), else the JavaScript compressor of `snappy-compressor.ts`. Both write valid snappy blocks; snappyjs decompresses.
 */
import * as snappyjs from 'snappyjs';
import { compressBlock } from './snappy-compressor';
import { nativeSnappyCompress } from '#platform/codec';

/** Which compressor {@link snappyCompress} uses. */
export type SnappyImplementation = 'native' | 'javascript';

let useNative = nativeSnappyCompress !== undefined;

/**
 * Chooses the compressor (benchmarks and tests compare both); `'native'` only when the native
 * package loaded. Returns the one now in use.
 */
export function useSnappyImplementation(implementation: SnappyImplementation): SnappyImplementation {
  useNative = implementation === 'native' && nativeSnappyCompress !== undefined;
  return snappyImplementation();
}

/** The compressor {@link snappyCompress} uses. */
export function snappyImplementation(): SnappyImplementation {
  return useNative ? 'native' : 'javascript';
}

/** Compresses `input` in the snappy block format. */
export function snappyCompress(input: Uint8Array): Uint8Array {
  if (useNative) {
    try {
      return nativeSnappyCompress!(input);
    } catch {
      useNative = false; // a broken binary: the JavaScript compressor from now on
    }
  }
  return compressBlock(input);
}

/**
 * Decompresses a snappy block. `maxLength` bounds the declared uncompressed size, so a
 * hostile body cannot make the reader allocate more.
 *
 * @throws {Error} `snappy: corrupt input` (Loki's wording) when the block is malformed or too large.
 */
export function snappyUncompress(input: Uint8Array, maxLength?: number): Uint8Array {
  try {
    return snappyjs.uncompress(input, maxLength);
  } catch (err) {
    throw new Error(`snappy: corrupt input (${(err as Error).message})`);
  }
}
