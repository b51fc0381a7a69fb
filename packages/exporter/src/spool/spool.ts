/**
 * The disk spool: encoded push requests stored write-ahead in segment files, handed back
 * oldest first until acknowledged. README.md in this folder states the guarantees; the format is
 * in `segment-format.ts`, leases in `lease.ts` and `lease-keeper.ts`, takeover in `takeover.ts`.
 */
import { join } from 'node:path';
import { hostIdentity } from './lease';
import { ExitWriter } from './exit-writer';
import { LeaseKeeper } from './lease-keeper';
import { readPending } from './pending-reader';
import { Segment } from './segment';
import {
  ACK_FRAME_BYTES,
  encodeAckFrame,
  encodeDataFrame,
  encodeHeader,
  identityKey,
  withoutCredentials,
} from './segment-format';
import { scanSegment } from './segment-scan';
import { prepareDirectory, unavailable } from './spool-directory';
import type { SpoolFileSystem } from './spool-file-system';
import { nodeSpoolFileSystem } from './spool-file-system';
import { segmentId, segmentName } from './spool-names';
import { SpoolHealth } from './spool-health';
import { SyncScheduler } from './sync-scheduler';
import { claimSegment, surveyDirectory } from './takeover';
import type {
  SpoolAppendResult,
  SpooledRequest,
  SpoolIdentity,
  SpoolOptions,
  SpoolRecordMeta,
  SpoolRef,
  SpoolStats,
  SpoolUnavailable,
} from './types';
import { resolveSpoolOptions } from './spool-options';
import type { ResolvedSpoolOptions } from './spool-options';

/** Result of `Spool.open`. */
export type SpoolOpenResult = { readonly status: 'open'; readonly spool: Spool } | SpoolUnavailable;

/** Options of `append`. */
export interface SpoolAppendOptions {
  /**
   * `true` (default): the caller sends the record itself now, and `pending()` skips it until
   * it is released. `false`: it is stored for `pending()` to hand out (e.g. during an outage).
   */
  readonly inFlight?: boolean;
}

const refKey = (segment: string, offset: number): string => `${segment}@${offset}`;
const byId = (a: Segment, b: Segment): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A disk spool in one directory, shared safely with other processes of the same host. */
export class Spool {
  private readonly _fs: SpoolFileSystem;
  private readonly _host = hostIdentity();
  private readonly _lease: LeaseKeeper;
  private readonly _sync: SyncScheduler;
  private readonly _exit: ExitWriter;
  /** The exit path's segment per identity. */
  private readonly _exitSegments = new Map<string, Segment>();
  private _sequence = 0;
  private readonly _segments = new Map<string, Segment>();
  private readonly _active = new Map<string, Segment>();
  private readonly _inFlight = new Set<string>();
  private _tail: Promise<unknown> = Promise.resolve();
  private _othersBytes = 0;
  private readonly _health: SpoolHealth;
  private _takenOver = 0;
  private _directoryDirty = false;
  private _heartbeatRunning = false;
  private _heartbeatTimer: NodeJS.Timeout | undefined;
  /** Ack frames not yet written, per segment: written with the segment's next append, or by a timer. */
  private readonly _pendingAcks = new Map<Segment, Buffer[]>();
  private _ackTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly _options: ResolvedSpoolOptions) {
    this._fs = _options.fileSystem ?? nodeSpoolFileSystem;
    const { directory, heartbeatIntervalMillis, fsync, fsyncIntervalMillis, now } = _options;
    this._lease = new LeaseKeeper(this._fs, directory, this._host, heartbeatIntervalMillis, now);
    this._health = new SpoolHealth(_options.onProblem, _options.retryAfterMillis, now);
    this._exit = new ExitWriter(directory, fsync !== 'never');
    this._sync = new SyncScheduler(fsync, fsyncIntervalMillis, () => this._syncAll());
  }

  /**
   * Opens (creating if needed) the spool in `options.directory` and takes over the files of
   * dead processes. Throws only for invalid options; an unusable directory is a result.
   */
  static async open(options: SpoolOptions): Promise<SpoolOpenResult> {
    const resolved = resolveSpoolOptions(options);
    const fs = resolved.fileSystem ?? nodeSpoolFileSystem;
    const refused = await prepareDirectory(fs, resolved.directory, resolved.uid);
    if (refused !== undefined) return refused;
    const spool = new Spool(resolved);
    try {
      await spool._lease.create();
    } catch (error) {
      return unavailable(resolved.directory, 'write a lease file in it', error);
    }
    await spool.heartbeat();
    spool._heartbeatTimer = setInterval(() => {
      void spool._lease
        .refresh()
        .then((error) => error !== undefined && spool._health.degrade(error, 'heartbeat', false));
      void spool.heartbeat();
    }, resolved.heartbeatIntervalMillis);
    spool._heartbeatTimer.unref();
    return { status: 'open', spool };
  }

  /** Stores `body` (the exact bytes to POST) for `identity`. Never rejects. */
  async append(
    identity: SpoolIdentity,
    body: Uint8Array,
    meta: SpoolRecordMeta,
    options: SpoolAppendOptions = {}
  ): Promise<SpoolAppendResult> {
    const refusal = this._health.refusal();
    if (refusal !== undefined) return { status: 'unavailable', reason: refusal };
    const clean = withoutCredentials(identity);
    const frame = encodeDataFrame(this._now(), meta, body);
    const result = await this._exclusive(() => this._appendFrame(clean, frame, meta.entries, options.inFlight ?? true));
    if (result.status === 'stored') await this._sync.afterAppend();
    return result;
  }

  /**
   * Stores `body` synchronously: for an `'exit'` handler or `uncaughtExceptionMonitor`, where
   * nothing asynchronous runs any more. Writes segments of its own, fsynced on each call unless
   * `fsync` is `never`; does not drop at `maxBytes` (the exit path may exceed it by what it
   * writes); tried even while degraded. The record is pending (not in flight). Never throws.
   */
  appendSync(identity: SpoolIdentity, body: Uint8Array, meta: SpoolRecordMeta): SpoolAppendResult {
    // Tried even while degraded: these are the last records, and a failing write costs little.
    if (this._health.state === 'closed') return { status: 'unavailable', reason: 'closed' };
    try {
      const clean = withoutCredentials(identity);
      const key = identityKey(clean);
      const frame = encodeDataFrame(this._now(), meta, body);
      let segment = this._exitSegments.get(key);
      if (segment === undefined || !this._exit.has(key)) {
        const header = encodeHeader({ identity: clean, createdMillis: this._now(), origin: this._lease.owner });
        const id = segmentId(this._now(), this._lease.owner, this._sequence++);
        const path = join(this._options.directory, segmentName(this._lease.owner, id));
        this._exit.create(key, path, header);
        segment = new Segment(id, clean, key, path, header.length, header.length, undefined, true);
        segment.exitPath = true;
        this._exitSegments.set(key, segment);
        this._segments.set(id, segment);
      }
      const offset = segment.size;
      this._exit.write(key, frame, offset);
      segment.advance(frame.length);
      segment.records++;
      segment.entries += meta.entries;
      segment.firstAppendMillis ??= this._now();
      return { status: 'stored', ref: { segment: segment.id, offset, entries: meta.entries } };
    } catch (error) {
      return { status: 'unavailable', reason: this._health.degrade(error, 'append (exit path)') };
    }
  }

  /**
   * Loki accepted the record (2xx): it leaves the spool. Unknown or repeated refs are ignored.
   * The acknowledgement is written with the segment's next append, or within `ackDelayMillis`
   * (one write for both: half the system calls of a live send); a kill before that sends the
   * record again after a restart, byte-identical, which Loki drops. With `ackDelayMillis: 0` it
   * is written before this resolves.
   */
  async acknowledge(ref: SpoolRef): Promise<void> {
    const key = refKey(ref.segment, ref.offset);
    const segment = this._health.state === 'closed' ? undefined : this._segments.get(ref.segment);
    if (segment === undefined || segment.acked.has(ref.offset)) {
      this._inFlight.delete(key);
      return;
    }
    // In memory at once, before anything is awaited: a `pending()` running meanwhile (while an
    // append holds the write queue) must see the record acknowledged, not merely out of flight.
    segment.acked.add(ref.offset);
    segment.records--;
    segment.entries -= ref.entries;
    if (segment.records === 0) segment.firstAppendMillis = undefined;
    this._inFlight.delete(key);
    await this._exclusive(async () => {
      if (this._segments.get(segment.id) !== segment) return; // removed or fenced meanwhile
      try {
        if (segment.records === 0 && segment.sealed && !segment.exitPath) return await this._remove(segment);
      } catch (error) {
        this._health.degrade(error, 'acknowledge');
        return;
      }
      // The exit path may still append to its segment: acknowledgements there stay in memory
      // (after a crash those records are sent again, byte-identical: Loki drops the duplicates).
      if (segment.exitPath) return;
      const pending = this._pendingAcks.get(segment);
      if (pending === undefined) this._pendingAcks.set(segment, [encodeAckFrame(ref.offset)]);
      else pending.push(encodeAckFrame(ref.offset));
      const delay = this._options.ackDelayMillis;
      if (delay === 0) return await this._writePendingAcks();
      this._ackTimer ??= setTimeout(() => {
        this._ackTimer = undefined;
        void this._exclusive(() => this._writePendingAcks());
      }, delay);
      this._ackTimer.unref();
    });
  }

  /** Writes the acknowledgements waiting for their segment's next append. Never rejects. */
  private async _writePendingAcks(): Promise<void> {
    for (const [segment, frames] of [...this._pendingAcks]) {
      this._pendingAcks.delete(segment);
      if (this._segments.get(segment.id) !== segment) continue; // removed or fenced meanwhile
      try {
        await this._checkLease();
        if (this._segments.get(segment.id) !== segment) continue;
        await segment.write(this._fs, frames.length === 1 ? frames[0] : Buffer.concat(frames));
        this._sync.written();
      } catch (error) {
        // The records are sent again after a restart: byte-identical, so Loki drops the duplicates.
        this._health.degrade(error, 'acknowledge');
      }
    }
  }

  /** The send failed: the record is pending again (handed out by the next `pending()`). */
  release(ref: SpoolRef): void {
    this._inFlight.delete(refKey(ref.segment, ref.offset));
  }

  /**
   * Records of `identity` not acknowledged and not in flight, oldest first, read from disk one
   * at a time. Each is in flight once handed out: `acknowledge` or `release` it.
   */
  async *pending(identity: SpoolIdentity): AsyncGenerator<SpooledRequest> {
    const key = identityKey(withoutCredentials(identity));
    const visited = new Set<string>();
    for (;;) {
      const next = [...this._segments.values()].filter((s) => s.key === key && !visited.has(s.id)).sort(byId)[0];
      if (next === undefined || this._health.state === 'closed') return;
      visited.add(next.id);
      yield* readPending(this._fs, next, {
        isCurrent: () => this._segments.get(next.id) === next && this._health.state !== 'closed',
        take: (offset) => {
          const key = refKey(next.id, offset);
          if (next.acked.has(offset) || this._inFlight.has(key)) return false;
          this._inFlight.add(key);
          return true;
        },
        onInvalid: (offset, bytes, detail) => this._reportCorrupt(next, offset, bytes, detail),
      });
    }
  }

  /** The identities the spool holds records of (its own and taken over), for draining them at start. */
  identities(): SpoolIdentity[] {
    const found = new Map<string, SpoolIdentity>();
    for (const segment of this._segments.values()) found.set(segment.key, segment.identity);
    return [...found.values()];
  }

  /** What the spool holds and what it lost. */
  stats(): SpoolStats {
    let bytes = 0;
    let records = 0;
    let entries = 0;
    let oldest = Infinity;
    for (const segment of this._segments.values()) {
      bytes += segment.size;
      records += segment.records;
      entries += segment.entries;
      if (segment.firstAppendMillis !== undefined) oldest = Math.min(oldest, segment.firstAppendMillis);
    }
    return {
      bytes,
      files: this._segments.size,
      directoryBytes: bytes + this._othersBytes,
      records,
      entries,
      oldestRecordAgeMillis: oldest === Infinity ? 0 : Math.max(0, this._now() - oldest),
      droppedRecords: this._health.droppedRecords,
      droppedEntries: this._health.droppedEntries,
      corruptSkipped: this._health.corruptSkipped,
      corruptBytes: this._health.corruptBytes,
      segmentsTakenOver: this._takenOver,
      state: this._health.state,
    };
  }

  /**
   * Refreshes the lease and takes over the segments of expired or released leases. Runs every
   * `heartbeatIntervalMillis` on its own; never rejects.
   */
  async heartbeat(): Promise<void> {
    if (this._health.state === 'closed' || this._heartbeatRunning) return;
    this._heartbeatRunning = true;
    try {
      const claimed = await this._exclusive(() => this._claimExpired());
      for (const { path, id } of claimed) await this._adopt(path, id);
    } finally {
      this._heartbeatRunning = false;
    }
  }

  /** fsyncs, closes the files and releases the lease: what is left is for the next process. */
  async close(): Promise<void> {
    if (this._health.state === 'closed') return;
    this._health.state = 'closed';
    clearInterval(this._heartbeatTimer);
    clearTimeout(this._ackTimer);
    this._sync.stop();
    await this._exclusive(async () => {
      await this._writePendingAcks();
      for (const segment of this._segments.values()) {
        await segment.sync().catch(() => undefined);
        await segment.close().catch(() => undefined);
      }
      this._segments.clear();
      this._active.clear();
      this._exit.closeAll();
      this._exitSegments.clear();
      await this._lease.release().catch(() => undefined);
      await this._fs.syncDirectory(this._options.directory).catch(() => undefined);
    });
  }

  /**
   * The exit path's close, after `appendSync`: stops the timers, closes the exit-path files and
   * removes the lease synchronously, so that the next process takes the files over at once.
   * Bypasses the injected file-system layer (like `appendSync`). Never throws.
   */
  closeSync(): void {
    if (this._health.state === 'closed') return;
    this._health.state = 'closed';
    clearInterval(this._heartbeatTimer);
    clearTimeout(this._ackTimer);
    this._sync.stop();
    this._exit.closeAll();
    this._lease.releaseSync();
    // Asynchronous closes: nothing if the process is exiting, no handle left to the GC if it is not.
    for (const segment of this._segments.values()) void segment.close().catch(() => undefined);
  }

  private async _appendFrame(
    identity: SpoolIdentity,
    frame: Buffer,
    entries: number,
    inFlight: boolean
  ): Promise<SpoolAppendResult> {
    try {
      await this._checkLease();
      const key = identityKey(identity);
      let segment = this._active.get(key);
      if (segment !== undefined && segment.size + frame.length > this._options.segmentBytes) {
        await this._seal(segment);
        segment = undefined;
      }
      const headerFor = (): Buffer => encodeHeader({ identity, createdMillis: this._now(), origin: this._lease.owner });
      const needed = frame.length + (segment === undefined ? headerFor().length : 0);
      if (needed > this._options.maxBytes) return { status: 'unavailable', reason: 'too_large' };
      if (!(await this._makeRoom(needed))) return { status: 'unavailable', reason: 'spool_full' };
      if (segment === undefined || !this._segments.has(segment.id))
        segment = await this._createSegment(identity, key, headerFor());
      // Acknowledgements waiting for this segment go out in the same write, before the record.
      const acks = this._pendingAcks.get(segment);
      this._pendingAcks.delete(segment);
      const acksLength = acks === undefined ? 0 : acks.length * ACK_FRAME_BYTES;
      let offset: number;
      try {
        offset =
          acksLength + (await segment.write(this._fs, acks === undefined ? frame : Buffer.concat([...acks, frame])));
      } catch (error) {
        if (acks !== undefined) this._pendingAcks.set(segment, acks);
        throw error;
      }
      segment.records++;
      segment.entries += entries;
      segment.firstAppendMillis ??= this._now();
      if (inFlight) this._inFlight.add(refKey(segment.id, offset));
      this._sync.written();
      this._health.recovered();
      return { status: 'stored', ref: { segment: segment.id, offset, entries } };
    } catch (error) {
      const active = this._active.get(identityKey(identity));
      if (active !== undefined) await this._seal(active).catch(() => undefined);
      return { status: 'unavailable', reason: this._health.degrade(error, 'append') };
    }
  }

  private async _createSegment(identity: SpoolIdentity, key: string, header: Buffer): Promise<Segment> {
    const id = segmentId(this._now(), this._lease.owner, this._sequence++);
    const path = join(this._options.directory, segmentName(this._lease.owner, id));
    const segment = await Segment.create(this._fs, this._options.directory, path, id, identity, key, header);
    this._segments.set(id, segment);
    this._active.set(key, segment);
    return segment;
  }

  /** Drops the oldest own segments until `needed` more bytes fit; false when they cannot. */
  private async _makeRoom(needed: number): Promise<boolean> {
    const over = (): boolean => this.stats().directoryBytes + needed > this._options.maxBytes;
    if (!over()) return true;
    let records = 0;
    let entries = 0;
    for (const segment of [...this._segments.values()].sort(byId)) {
      if (!over()) break;
      if (segment.exitPath) continue; // the exit path may still be writing it
      records += segment.records;
      entries += segment.entries;
      await this._remove(segment);
    }
    this._health.dropped(records, entries);
    return !over();
  }

  private async _claimExpired(): Promise<Array<{ path: string; id: string }>> {
    const claimed: Array<{ path: string; id: string }> = [];
    try {
      await this._checkLease(true);
      const { directory, heartbeatIntervalMillis } = this._options;
      const owner = this._lease.owner;
      const survey = await surveyDirectory(
        this._fs,
        directory,
        owner,
        this._host,
        this._now(),
        heartbeatIntervalMillis
      );
      this._othersBytes = survey.othersBytes;
      for (const { name, id } of survey.own) {
        if (!this._segments.has(id)) claimed.push({ path: join(directory, name), id }); // an earlier scan failed
      }
      for (const { name, id, bytes } of survey.claimable) {
        const path = await claimSegment(this._fs, directory, name, id, owner);
        if (path === undefined) continue;
        claimed.push({ path, id });
        this._othersBytes -= bytes;
        this._directoryDirty = true;
      }
      for (const lease of survey.expiredLeases) await this._fs.unlink(join(directory, lease)).catch(() => undefined);
      if (survey.expiredLeases.length > 0) this._directoryDirty = true;
      if (this._directoryDirty) this._sync.written();
    } catch (error) {
      this._health.degrade(error, 'heartbeat', false);
    }
    return claimed;
  }

  private async _adopt(path: string, id: string): Promise<void> {
    const owner = this._lease.owner;
    try {
      const { segment, corrupt } = await scanSegment(this._fs, path, id);
      this._takenOver++;
      if (corrupt !== undefined) this._reportCorrupt(undefined, corrupt.offset, corrupt.bytes, corrupt.detail, path);
      if (segment === undefined) return;
      // Closed, or fenced meanwhile: the file is under the old owner's name, free for anyone.
      if (this._health.state === 'closed' || this._lease.owner !== owner) return await segment.close();
      this._segments.set(id, segment);
      if (segment.records > 0) this._options.onTakeover?.(segment.identity);
    } catch (error) {
      this._health.degrade(error, 'take over a segment', false);
    }
  }

  /** Refreshes the lease when due (`force`: always); fences first when it may have been lost. */
  private async _checkLease(force = false): Promise<void> {
    const stalled = await this._lease.check(force);
    if (stalled !== undefined) await this._fence(stalled);
  }

  /**
   * This process was stalled past its lease: its files may belong to another process now. It
   * forgets them (records in flight are sent again by their new owner, byte-identical) and
   * continues under a new owner id; files nobody took are taken back by the next heartbeat.
   */
  private async _fence(stalledMillis: number): Promise<void> {
    this._health.report({ kind: 'fenced', stalledMillis });
    for (const segment of this._segments.values()) await segment.close().catch(() => undefined);
    this._segments.clear();
    this._active.clear();
    this._pendingAcks.clear();
    this._exit.closeAll();
    this._exitSegments.clear();
    this._inFlight.clear();
    this._sequence = 0;
    await this._lease.renew();
  }

  private async _seal(segment: Segment): Promise<void> {
    segment.sealed = true;
    if (this._active.get(segment.key) === segment) this._active.delete(segment.key);
    if (segment.records === 0) await this._remove(segment);
  }

  private async _remove(segment: Segment): Promise<void> {
    this._segments.delete(segment.id);
    this._pendingAcks.delete(segment);
    if (this._active.get(segment.key) === segment) this._active.delete(segment.key);
    this._directoryDirty = true;
    this._sync.written();
    await segment.remove(this._fs);
  }

  /** fsyncs every file written and the directory if names changed; never rejects. */
  private async _syncAll(): Promise<void> {
    try {
      for (const segment of [...this._segments.values()]) await segment.sync();
      if (this._directoryDirty) {
        this._directoryDirty = false;
        await this._fs.syncDirectory(this._options.directory);
      }
    } catch (error) {
      this._health.degrade(error, 'fsync');
    }
  }

  private _reportCorrupt(segment: Segment | undefined, offset: number, bytes: number, detail: string, path?: string) {
    if (segment?.corruptReported === true) return;
    if (segment !== undefined) segment.corruptReported = true;
    this._health.corrupt(path ?? segment?.path ?? '', offset, bytes, detail);
  }

  private _exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this._tail.then(task);
    this._tail = run.then(
      () => undefined,
      () => undefined
    );
    return run;
  }

  private _now(): number {
    return this._options.now();
  }
}
