/**
 * Reads the frames of a segment sequentially in large chunks (memory bounded by one chunk or
 * one frame), checking each frame's length and checksum. The first invalid frame ends the read.
 */
import { crc32 } from './crc32';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD_BYTES } from './segment-format';
import type { SpoolFileHandle } from './spool-file-system';

/** Bytes read at once. */
export const READ_CHUNK_BYTES = 256 * 1024;

/** A valid frame, or where reading stopped on an invalid one. */
export type FrameEvent =
  | { readonly type: 'frame'; readonly offset: number; readonly kind: number; readonly payload: Buffer }
  | { readonly type: 'invalid'; readonly offset: number; readonly detail: string };

/** Sequential reader over `[start, end)` of a file; refills never overwrite a buffer already handed out. */
class ChunkReader {
  private _buffer = Buffer.alloc(0);
  private _bufferOffset = 0;

  constructor(
    private readonly _handle: SpoolFileHandle,
    private readonly _end: number
  ) {}

  /** `length` bytes at `offset`, or `undefined` when the file ends first. */
  async bytes(offset: number, length: number): Promise<Buffer | undefined> {
    if (offset + length > this._end) return undefined;
    const start = offset - this._bufferOffset;
    if (start < 0 || start + length > this._buffer.length) {
      const size = Math.min(Math.max(length, READ_CHUNK_BYTES), this._end - offset);
      const fresh = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const read = await this._handle.read(fresh, filled, size - filled, offset + filled);
        if (read === 0) break;
        filled += read;
      }
      this._buffer = fresh.subarray(0, filled);
      this._bufferOffset = offset;
      if (filled < length) return undefined;
      return this._buffer.subarray(0, length);
    }
    return this._buffer.subarray(start, start + length);
  }
}

/** The frames of `[start, end)`, in order; an `invalid` event is always the last. */
export async function* readFrames(handle: SpoolFileHandle, start: number, end: number): AsyncGenerator<FrameEvent> {
  const reader = new ChunkReader(handle, end);
  let offset = start;
  while (offset < end) {
    const header = await reader.bytes(offset, FRAME_HEADER_BYTES);
    if (header === undefined) {
      yield { type: 'invalid', offset, detail: 'torn frame header' };
      return;
    }
    const length = header.readUInt32BE(0);
    if (length > MAX_FRAME_PAYLOAD_BYTES) {
      yield { type: 'invalid', offset, detail: 'implausible frame length' };
      return;
    }
    const frame = await reader.bytes(offset, FRAME_HEADER_BYTES + length);
    if (frame === undefined) {
      yield { type: 'invalid', offset, detail: 'torn frame' };
      return;
    }
    if (crc32(frame.subarray(8)) !== frame.readUInt32BE(4)) {
      yield { type: 'invalid', offset, detail: 'checksum mismatch' };
      return;
    }
    yield { type: 'frame', offset, kind: frame[8], payload: frame.subarray(FRAME_HEADER_BYTES) };
    offset += FRAME_HEADER_BYTES + length;
  }
}
