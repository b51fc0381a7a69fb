/**
 * Hands out the pending records of one segment, read from disk one frame at a time (also
 * records appended while it reads). The spool decides which records are pending.
 */
import { readFrames } from './frame-reader';
import type { Segment } from './segment';
import { decodeData, FRAME_HEADER_BYTES, FrameKind } from './segment-format';
import type { SpoolFileSystem } from './spool-file-system';
import type { SpooledRequest } from './types';

/** What the reader asks the spool. */
export interface PendingHooks {
  /** False once the segment is no longer the spool's (all acknowledged, dropped at the cap, fenced, closed). */
  isCurrent(): boolean;
  /** Marks the data record at `offset` in flight; false when it is acknowledged or already in flight. */
  take(offset: number): boolean;
  /** The segment is damaged from `offset` on. */
  onInvalid(offset: number, bytes: number, detail: string): void;
}

/** The records of `segment` the hooks let through, oldest first. */
export async function* readPending(
  fs: SpoolFileSystem,
  segment: Segment,
  hooks: PendingHooks
): AsyncGenerator<SpooledRequest> {
  let handle;
  try {
    handle = await fs.open(segment.path, 'read');
  } catch {
    return; // removed meanwhile
  }
  try {
    let offset = segment.dataStart;
    for (let end = segment.size; offset < end; end = segment.size) {
      for await (const event of readFrames(handle, offset, end)) {
        if (!hooks.isCurrent()) return;
        if (event.type === 'invalid') {
          hooks.onInvalid(event.offset, end - event.offset, event.detail);
          return;
        }
        offset = event.offset + FRAME_HEADER_BYTES + event.payload.length;
        if (event.kind !== FrameKind.Data) continue;
        const record = decodeData(event.payload);
        if (record === undefined || !hooks.take(event.offset)) continue;
        yield {
          ref: { segment: segment.id, offset: event.offset, entries: record.meta.entries },
          identity: segment.identity,
          body: Buffer.from(record.body), // a copy: the caller does not keep the read chunk alive
          meta: record.meta,
          appendedMillis: record.appendedMillis,
        };
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
