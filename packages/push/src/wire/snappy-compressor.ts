/**
 * A snappy block-format compressor in plain JavaScript, tuned for V8: 32-bit integer
 * arithmetic (`Math.imul`) for the hash, matches compared four bytes at a time, literals
 * copied natively when long. The algorithm is that of Google's reference `CompressFragment`
 * (64 KiB fragments, a hash table of 16-bit offsets, the skip heuristic on incompressible
 * data); the output is a valid snappy block that any decoder reads (Loki's Go one, python-snappy).
 *
 * @see https://github.com/google/snappy/blob/main/format_description.txt
 */
import { allocBytes } from '#platform/bytes';

/** Fragments are compressed independently; offsets inside one fit in 16 bits. */
const BLOCK_SIZE = 1 << 16;
const MAX_HASH_TABLE_BITS = 14;
/** The last bytes of a fragment are never the start of a match (room for 4-byte loads). */
const INPUT_MARGIN = 15;
/** Literals this long or longer are copied with a native `set` (a JavaScript loop wins below). */
const NATIVE_COPY_MIN = 16;
const HASH_MULTIPLIER = 0x1e35a7bd;

const hashTable = new Uint16Array(1 << MAX_HASH_TABLE_BITS);

/** Upper bound of the compressed size of `length` bytes (snappy's `MaxCompressedLength`). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function emitLiteral(input: Uint8Array, from: number, length: number, out: Uint8Array, op: number): number {
  const n = length - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  }
  if (length < NATIVE_COPY_MIN) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i];
  } else {
    out.set(input.subarray(from, from + length), op);
  }
  return op + length;
}

function emitCopyUpTo64(out: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[op] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  out[op] = 2 | ((length - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >>> 8;
  return op + 3;
}

function emitCopy(out: Uint8Array, op: number, offset: number, length: number): number {
  // Bounded: every pass consumes 64 bytes of the match.
  while (length >= 68) {
    op = emitCopyUpTo64(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitCopyUpTo64(out, op, offset, 60);
    length -= 60;
  }
  return emitCopyUpTo64(out, op, offset, length);
}

/** Compresses `input[start, start + size)` (size ≤ 64 KiB) into `out` at `op`; returns the new `op`. */
function compressFragment(
  input: Uint8Array,
  view: DataView,
  start: number,
  size: number,
  out: Uint8Array,
  op: number
): number {
  const end = start + size;
  let nextEmit = start;
  if (size >= INPUT_MARGIN) {
    let bits = 8;
    while (bits < MAX_HASH_TABLE_BITS && 1 << bits < size) bits++;
    const shift = 32 - bits;
    hashTable.fill(0, 0, 1 << bits);
    const limit = end - INPUT_MARGIN;
    let ip = start + 1;
    let nextHash = Math.imul(view.getInt32(ip, true), HASH_MULTIPLIER) >>> shift;
    // Bounded: ip only grows, and every pass either emits a match or stops at `limit`.
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip >>> 5);
        skip++;
        if (nextIp > limit) break outer;
        nextHash = Math.imul(view.getInt32(nextIp, true), HASH_MULTIPLIER) >>> shift;
        candidate = start + hashTable[hash];
        hashTable[hash] = ip - start;
      } while (view.getInt32(ip, true) !== view.getInt32(candidate, true));

      op = emitLiteral(input, nextEmit, ip - nextEmit, out, op);
      // Bounded like the outer loop: every pass moves ip past a match of 4 bytes or more.
      for (;;) {
        const base = ip;
        let matched = 4;
        while (
          ip + matched + 4 <= end &&
          view.getInt32(ip + matched, true) === view.getInt32(candidate + matched, true)
        )
          matched += 4;
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= limit) break outer;
        const previous = ip - 1;
        hashTable[Math.imul(view.getInt32(previous, true), HASH_MULTIPLIER) >>> shift] = previous - start;
        const hash = Math.imul(view.getInt32(ip, true), HASH_MULTIPLIER) >>> shift;
        candidate = start + hashTable[hash];
        hashTable[hash] = ip - start;
        if (view.getInt32(ip, true) !== view.getInt32(candidate, true)) break;
      }
      ip++;
      nextHash = Math.imul(view.getInt32(ip, true), HASH_MULTIPLIER) >>> shift;
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end - nextEmit, out, op);
  return op;
}

/** Output scratch kept between calls up to this size; compressing writes there, then copies out. */
const MAX_KEPT_SCRATCH_BYTES = 8 * 1024 * 1024;
let scratch = allocBytes(0);

/** Compresses `input` in the snappy block format (varint length, then fragments of 64 KiB). */
export function compressBlock(input: Uint8Array): Uint8Array {
  const length = input.byteLength;
  const bound = maxCompressedLength(length);
  const out = bound <= scratch.length ? scratch : allocBytes(bound);
  if (out !== scratch && bound <= MAX_KEPT_SCRATCH_BYTES) scratch = out;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let op = 0;
  let value = length;
  // Bounded: a length below 2^32 takes at most 5 varint bytes.
  while (value >= 0x80) {
    out[op++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[op++] = value;
  for (let pos = 0; pos < length; pos += BLOCK_SIZE) {
    op = compressFragment(input, view, pos, Math.min(BLOCK_SIZE, length - pos), out, op);
  }
  // A copy of the exact size: the scratch is reused, and a request should not pin 1.2x its size.
  const result = allocBytes(op);
  result.set(out.subarray(0, op));
  return result;
}
