/**
 * The synchronous write path for an `'exit'` handler (or an `uncaughtExceptionMonitor`), where
 * Node runs no asynchronous I/O any more. It writes segments of its own, opened on first use and
 * never touched by an asynchronous write (one of those may still be in progress at the same end
 * of another file), and fsyncs each write unless the policy is `never`.
 */
import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import { FILE_MODE } from './spool-file-system';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Writes all of `bytes` at `position` of `fd`. */
function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Synchronous segment files, one per identity. */
export class ExitWriter {
  private readonly _files = new Map<string, number>();

  constructor(
    private readonly _directory: string,
    private readonly _fsync: boolean
  ) {}

  /** Whether `key` has an exit-path file. */
  has(key: string): boolean {
    return this._files.has(key);
  }

  /** Creates the file at `path` with `header` (and its directory entry, fsynced). Throws on failure. */
  create(key: string, path: string, header: Uint8Array): void {
    const fd = openSync(path, CREATE_FLAGS, FILE_MODE);
    try {
      writeAllSync(fd, header, 0);
      if (this._fsync) {
        fsyncSync(fd);
        const directory = openSync(this._directory, constants.O_RDONLY);
        try {
          fsyncSync(directory);
        } finally {
          closeSync(directory);
        }
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this._files.set(key, fd);
  }

  /** Appends `frame` at `position` of `key`'s file. Throws on failure. */
  write(key: string, frame: Uint8Array, position: number): void {
    const fd = this._files.get(key);
    if (fd === undefined) throw new Error(`no exit-path file for ${key}`);
    writeAllSync(fd, frame, position);
    if (this._fsync) fsyncSync(fd);
  }

  /** Closes every file (the spool is closed or fenced). */
  closeAll(): void {
    for (const fd of this._files.values()) {
      try {
        closeSync(fd);
      } catch {
        // Already closed: nothing to do.
      }
    }
    this._files.clear();
  }
}
