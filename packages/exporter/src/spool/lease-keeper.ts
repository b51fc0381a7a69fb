/**
 * This process's lease: created at open, refreshed by a timer outside the write queue (so a
 * slow write or a takeover scan cannot delay it), checked before every write. A lease that was
 * refreshed too late, or removed by another process, means the files may have been taken over:
 * the spool is then fenced (it forgets its files and continues under a new owner id).
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { HostIdentity } from './lease';
import { EXPIRY_HEARTBEATS, ownLease, REFRESH_HEARTBEATS, writeLease } from './lease';
import { leaseName, newOwnerId } from './spool-names';
import type { SpoolFileSystem } from './spool-file-system';

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';

/** The lease of one spool. */
export class LeaseKeeper {
  private _owner = newOwnerId();
  private _lastHeartbeatMillis = 0;
  private _refreshing = false;
  private _lost = false;

  constructor(
    private readonly _fs: SpoolFileSystem,
    private readonly _directory: string,
    private readonly _host: HostIdentity,
    private readonly _intervalMillis: number,
    private readonly _now: () => number
  ) {}

  /** The owner id in this process's file names. */
  get owner(): string {
    return this._owner;
  }

  /** Creates the lease file of the current owner id. */
  async create(): Promise<void> {
    const now = this._now();
    await writeLease(this._fs, this._directory, ownLease(this._owner, this._host, this._intervalMillis, now), now);
    this._lastHeartbeatMillis = now;
    this._lost = false;
  }

  /**
   * Before a write: refreshes the lease when due (`force`: always). Returns how long the lease
   * went unrefreshed when the spool must be fenced first; throws file-system errors.
   */
  async check(force: boolean): Promise<number | undefined> {
    const now = this._now();
    const stalled = now - this._lastHeartbeatMillis;
    if (this._lost || stalled > EXPIRY_HEARTBEATS * this._intervalMillis) return stalled;
    if (!force && stalled < REFRESH_HEARTBEATS * this._intervalMillis) return undefined;
    try {
      await this._fs.touch(this._path(), now);
      this._lastHeartbeatMillis = Math.max(this._lastHeartbeatMillis, now);
      return undefined;
    } catch (error) {
      if (isNotFound(error)) return stalled; // another process removed it: it thought us dead
      throw error;
    }
  }

  /** The timer's refresh; never rejects (returns the error to report, if any). */
  async refresh(): Promise<unknown> {
    if (this._refreshing) return undefined;
    this._refreshing = true;
    const now = this._now();
    try {
      if (now - this._lastHeartbeatMillis > EXPIRY_HEARTBEATS * this._intervalMillis) {
        this._lost = true; // too late: another process may already have taken the files
        return undefined;
      }
      await this._fs.touch(this._path(), now);
      this._lastHeartbeatMillis = Math.max(this._lastHeartbeatMillis, now);
      return undefined;
    } catch (error) {
      if (isNotFound(error)) this._lost = true;
      return isNotFound(error) ? undefined : error;
    } finally {
      this._refreshing = false;
    }
  }

  /** Continues under a new owner id (after a fence); the old lease is removed. */
  async renew(): Promise<void> {
    const old = this._path();
    this._owner = newOwnerId();
    await this.create();
    await this._fs.unlink(old).catch(() => undefined);
  }

  /** Removes the lease: the files left become free for the next process at once. */
  async release(): Promise<void> {
    await this._fs.unlink(this._path());
  }

  /**
   * Removes the lease synchronously (the exit path, where nothing asynchronous runs): a process
   * started next takes the files over at once instead of after the expiry. Never throws.
   */
  releaseSync(): void {
    try {
      unlinkSync(this._path());
    } catch {
      // Gone already, or the directory is unusable: the lease then expires on its own.
    }
  }

  private _path(): string {
    return join(this._directory, leaseName(this._owner));
  }
}
