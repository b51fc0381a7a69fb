/** Snappy block format (not the framed format), the compression Loki expects on protobuf pushes. */
import * as snappyjs from 'snappyjs';
import { compressBlock } from './snappy-compressor';

/** Compresses `input` in the snappy block format (our compressor; snappyjs reads it back). */
export function snappyCompress(input: Uint8Array): Uint8Array {
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
