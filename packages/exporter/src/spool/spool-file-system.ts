/**
 * The few file-system calls the spool makes, behind an interface so that tests can make them
 * fail (`ENOSPC`, `EROFS`, `EACCES`: tests run as root, where `chmod` cannot) and count fsyncs.
 * The default implementation is `node:fs/promises`; symlinks are never followed (`lstat`,
 * `O_NOFOLLOW`).
 */
import { constants, promises as fsp } from 'node:fs';

/** What the spool reads from a `stat`. */
export interface SpoolFileStats {
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** An open file. Reads and writes are positional. */
export interface SpoolFileHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes all of `bytes` at `position` (a short write is retried by the implementation). */
  write(bytes: Uint8Array, position: number): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<SpoolFileStats>;
  close(): Promise<void>;
}

/**
 * How a file is opened: `create` a new file (fails if it exists, mode 0600), `update` an
 * existing one (read and write), or `read` only. None follows a symlink.
 */
export type SpoolOpenMode = 'create' | 'update' | 'read';

/** The file-system layer of the spool. Every call rejects with a Node `SystemError` (`code`). */
export interface SpoolFileSystem {
  lstat(path: string): Promise<SpoolFileStats>;
  /** Creates the directory and its missing parents with `mode`. */
  mkdir(path: string, mode: number): Promise<void>;
  open(path: string, mode: SpoolOpenMode): Promise<SpoolFileHandle>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Sets the modification time (the lease heartbeat). */
  touch(path: string, timeMillis: number): Promise<void>;
  /** fsyncs a directory, so that a created, renamed or removed name survives a power loss. */
  syncDirectory(path: string): Promise<void>;
}

/** File mode of every spool file. */
export const FILE_MODE = 0o600;
/** File mode of a spool directory the spool creates. */
export const DIRECTORY_MODE = 0o700;

// O_NOFOLLOW is absent on Windows, where the spool still works without it.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS: Readonly<Record<SpoolOpenMode, number>> = {
  create: constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
  update: constants.O_RDWR | NOFOLLOW,
  read: constants.O_RDONLY | NOFOLLOW,
};

class NodeFileHandle implements SpoolFileHandle {
  constructor(private readonly _handle: fsp.FileHandle) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this._handle.read(buffer, offset, length, position)).bytesRead;
  }

  async write(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this._handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this._handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this._handle.truncate(length);
  }

  stat(): Promise<SpoolFileStats> {
    return this._handle.stat();
  }

  close(): Promise<void> {
    return this._handle.close();
  }
}

/** The spool's file-system layer on `node:fs/promises`. */
export const nodeSpoolFileSystem: SpoolFileSystem = {
  lstat: (path) => fsp.lstat(path),
  mkdir: async (path, mode) => {
    await fsp.mkdir(path, { recursive: true, mode });
  },
  open: async (path, mode) => new NodeFileHandle(await fsp.open(path, FLAGS[mode], FILE_MODE)),
  readdir: (path) => fsp.readdir(path),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  touch: (path, timeMillis) => fsp.utimes(path, timeMillis / 1000, timeMillis / 1000),
  syncDirectory: async (path) => {
    const handle = await fsp.open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
