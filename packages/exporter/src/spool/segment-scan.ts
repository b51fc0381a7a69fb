/**
 * Reading a segment this process has just taken over (or found at start): its header, its
 * records and acks, counted without keeping records in memory. A torn tail or corrupt region is
 * cut off (the file is truncated to its last valid frame, so acks appended later stay
 * readable); a file whose header is unreadable is removed. Both are reported.
 */
import { readFrames } from './frame-reader';
import { Segment } from './segment';
import { dataSummary, decodeAck, decodeHeader, FrameKind, headerLength, identityKey } from './segment-format';
import type { SpoolFileSystem } from './spool-file-system';

/** Bytes read first: enough for the fixed part of a header. */
const HEADER_PREFIX_BYTES = 20;

/** A corrupt region found by a scan. */
export interface CorruptRegion {
  readonly offset: number;
  readonly bytes: number;
  readonly detail: string;
}

/** The result of a scan: the segment (absent when nothing is left to send) and what was cut. */
export interface ScanResult {
  readonly segment: Segment | undefined;
  readonly corrupt: CorruptRegion | undefined;
}

/** Scans the segment file at `path` (owned by this process); file-system errors reject. */
export async function scanSegment(fs: SpoolFileSystem, path: string, id: string): Promise<ScanResult> {
  const handle = await fs.open(path, 'update');
  let keep = false;
  try {
    const size = (await handle.stat()).size;
    const prefix = Buffer.alloc(Math.min(size, HEADER_PREFIX_BYTES));
    await handle.read(prefix, 0, prefix.length, 0);
    const length = headerLength(prefix);
    const headerBytes = Buffer.alloc(typeof length === 'number' ? Math.min(length, size) : 0);
    if (typeof length === 'number') await handle.read(headerBytes, 0, headerBytes.length, 0);
    const header = typeof length === 'number' ? decodeHeader(headerBytes) : length;
    if (typeof header === 'string') {
      await handle.close();
      await fs.unlink(path);
      return { segment: undefined, corrupt: size === 0 ? undefined : { offset: 0, bytes: size, detail: header } };
    }

    // Insertion order is file order: the first key left is the oldest record not acknowledged.
    const unacked = new Map<number, { entries: number; appendedMillis: number }>();
    const acked = new Set<number>();
    let corrupt: CorruptRegion | undefined;
    for await (const event of readFrames(handle, headerBytes.length, size)) {
      if (event.type === 'invalid') {
        corrupt = { offset: event.offset, bytes: size - event.offset, detail: event.detail };
        await handle.truncate(event.offset);
        await handle.sync();
        break;
      }
      if (event.kind === FrameKind.Data) {
        const summary = dataSummary(event.payload);
        if (summary !== undefined) unacked.set(event.offset, summary);
      } else if (event.kind === FrameKind.Ack) {
        // Frames of other kinds (a later format's) are skipped.
        const offset = decodeAck(event.payload);
        if (offset !== undefined && unacked.delete(offset)) acked.add(offset);
      }
    }
    if (unacked.size === 0) {
      await handle.close();
      await fs.unlink(path);
      return { segment: undefined, corrupt };
    }
    const end = corrupt?.offset ?? size;
    const segment = new Segment(
      id,
      header.identity,
      identityKey(header.identity),
      path,
      headerBytes.length,
      end,
      handle,
      true
    );
    for (const offset of acked) segment.acked.add(offset);
    for (const record of unacked.values()) {
      segment.records++;
      segment.entries += record.entries;
      segment.firstAppendMillis ??= record.appendedMillis;
    }
    segment.corruptReported = corrupt !== undefined;
    keep = true;
    return { segment, corrupt };
  } finally {
    if (!keep) await handle.close().catch(() => undefined);
  }
}
