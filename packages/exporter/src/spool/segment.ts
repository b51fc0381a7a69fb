/**
 * One segment file owned by this process: its header, its size, and in memory only counts (not
 * its records). Writes are positional at the known end; a failed write is cut off again so the
 * file never keeps half a frame this process knows about.
 */
import type { SpoolFileHandle, SpoolFileSystem } from './spool-file-system';
import type { SpoolIdentity } from './types';

/** A segment owned by this process. */
export class Segment {
  /** Data records not acknowledged, and their entries. */
  records = 0;
  entries = 0;
  /** When the oldest record not acknowledged was appended (segment granularity: the first record's time). */
  firstAppendMillis: number | undefined;
  /** Offsets of acknowledged data frames (durable once written as ack frames). */
  readonly acked = new Set<number>();
  /** No more data is appended (rotated, or taken over from another process). */
  sealed: boolean;
  /** Written since the last fsync. */
  dirty = false;
  /** A corrupt region was already reported. */
  corruptReported = false;
  /** Written synchronously by the exit path (`appendSync`): no asynchronous write may touch it. */
  exitPath = false;

  constructor(
    readonly id: string,
    readonly identity: SpoolIdentity,
    readonly key: string,
    readonly path: string,
    /** Where the first frame starts (the header's length). */
    readonly dataStart: number,
    private _size: number,
    private _handle: SpoolFileHandle | undefined,
    sealed: boolean
  ) {
    this.sealed = sealed;
  }

  /** Creates the file with its header, and fsyncs it and its directory. */
  static async create(
    fs: SpoolFileSystem,
    directory: string,
    path: string,
    id: string,
    identity: SpoolIdentity,
    key: string,
    header: Uint8Array
  ): Promise<Segment> {
    const handle = await fs.open(path, 'create');
    try {
      await handle.write(header, 0);
      await handle.sync();
      await fs.syncDirectory(directory);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.unlink(path).catch(() => undefined);
      throw error;
    }
    return new Segment(id, identity, key, path, header.length, header.length, handle, false);
  }

  /** Size of the file as far as this process wrote it. */
  get size(): number {
    return this._size;
  }

  /** Appends `bytes` at the end; returns the offset they were written at. */
  async write(fs: SpoolFileSystem, bytes: Uint8Array): Promise<number> {
    const handle = await this._open(fs);
    const offset = this._size;
    try {
      await handle.write(bytes, offset);
    } catch (error) {
      await handle.truncate(offset).catch(() => undefined);
      throw error;
    }
    this._size += bytes.length;
    this.dirty = true;
    return offset;
  }

  /** `bytes` were appended through another file descriptor (the exit path). */
  advance(bytes: number): void {
    this._size += bytes;
  }

  /** fsyncs what was written. */
  async sync(): Promise<void> {
    if (!this.dirty || this._handle === undefined) return;
    this.dirty = false;
    try {
      await this._handle.sync();
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /** Closes the file (it is opened again when written to). */
  async close(): Promise<void> {
    const handle = this._handle;
    this._handle = undefined;
    await handle?.close();
  }

  /** Closes and deletes the file. */
  async remove(fs: SpoolFileSystem): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.unlink(this.path);
  }

  private async _open(fs: SpoolFileSystem): Promise<SpoolFileHandle> {
    this._handle ??= await fs.open(this.path, 'update');
    return this._handle;
  }
}
