/**
 * Sends through the disk spool (`spool/`): each export's streams are encoded into the exact
 * requests that will be POSTed, written to the spool (write-ahead), and leave it only when Loki
 * accepted them (2xx) or refused them for good. One lane per tenant (a spool identity: push URL
 * and tenant), each in one of two modes:
 *
 * - **live**: nothing of the lane is waiting on disk; a request is appended "in flight" and
 *   pushed at once (up to `maxConcurrent` at a time), never read back.
 * - **backlog**: a push failed, or requests are waiting (a previous process's, or more than
 *   `maxConcurrent` at once): new requests are only appended, and one drain loop sends the
 *   lane's pending requests oldest first, one at a time after a failure (each stream stays in
 *   order across backlog and live data: Loki refuses an entry more than an hour behind its
 *   stream's newest), paced after a 429 (`drain-pacer.ts`). The lane goes live again when a
 *   pass over the spool finds nothing to send.
 *
 * A request read back is sent as the stored bytes; its streams are decoded only when a failure
 * needs them. A resend is byte-identical (never re-mapped), which Loki's duplicate check drops.
 * When the spool cannot be used (`Spool.open` or `append` answers `unavailable`), data goes to
 * the memory retry buffer (`fallback`) with one warning.
 */
import { decodePushRequest, snappyUncompress } from '@otel-loki/push';
import type { EncodedPushRequest, PushStream } from '@otel-loki/push';
import type { PushClient } from '../internal-types';
import type { Diagnostics } from '../observability/diagnostics';
import { logger } from '../observability/diagnostics';
import { Spool } from '../spool/spool';
import type { SpoolOpenResult } from '../spool/spool';
import type {
  SpooledRequest,
  SpoolIdentity,
  SpoolOptions,
  SpoolProblem,
  SpoolRecordMeta,
  SpoolRef,
  SpoolStats,
} from '../spool/types';
import type { BufferedSender } from './buffered-sender';
import { retryDelayMillis } from './buffered-sender';
import { DrainPacer } from './drain-pacer';
import { entryTimeSpan } from './entry-times';
import { DELIVERED_ATTEMPT, failedAttempt, singleAttemptOptions } from './push-attempt';
import type { ChunkOutcome } from './retry-buffer';
import { RefusalReporter } from './refusal-reporter';
import { withTracingSuppressed } from './suppress-tracing';

const PROTOBUF = 'application/x-protobuf';
/** Append refusals the spool reports itself (as `degraded`). */
const ENVIRONMENTAL: ReadonlySet<string> = new Set(['no_space', 'read_only', 'permission_denied', 'io_error']);

/** The client calls the spool needs. */
export type SpoolClient = Required<Pick<PushClient, 'encode' | 'pushEncoded'>>;

/** What the spooling sender needs from the exporter. */
export interface SpoolingSenderOptions {
  client: SpoolClient;
  diagnostics: Diagnostics;
  /** Options of `Spool.open` (directory, bound, fsync policy). */
  spool: SpoolOptions;
  /** The push URL the spooled requests belong to (credentials are removed before writing). */
  pushUrl: string;
  /** Where data goes when the spool cannot be used. */
  fallback: BufferedSender;
  maxConcurrent: number;
  /** Deadline of each push (one attempt). */
  retryDeadlineMillis: number;
  /** Oldest timestamp Loki accepts now; older stored entries are dropped before sending. */
  oldestAcceptedNanos: () => bigint;
  signal: AbortSignal;
  random?: () => number;
  now?: () => number;
  /** Tests: opens the spool. */
  open?: (options: SpoolOptions) => Promise<SpoolOpenResult>;
}

/** Streams submitted and not yet stored: the exit path takes them. */
interface WaitingBatch {
  readonly tenant: string | undefined;
  readonly streams: PushStream[];
  readonly settle?: (outcome: ChunkOutcome) => void;
}

/** One tenant's requests. */
interface Lane {
  readonly tenant: string | undefined;
  readonly identity: SpoolIdentity;
  /** Appends (and the switch back to live), one at a time, in submission order. */
  chain: Promise<void>;
  readonly waiting: Set<WaitingBatch>;
  /** Appends so far: a drain pass that saw none during it may end the backlog. */
  appends: number;
  inFlight: number;
  backlog: boolean;
  /** Consecutive retryable failures (0 once a push succeeds). */
  failures: number;
  pause: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  readonly pacer: DrainPacer;
  /** Resolved when a push of the lane ends, a pause ends, or the sender closes. */
  changed: Array<() => void>;
}

/** Drives the disk spool; the exporter uses it in place of the {@link BufferedSender}. */
export class SpoolingSender {
  private readonly _opened: Promise<Spool | undefined>;
  private _spool: Spool | undefined;
  private readonly _lanes = new Map<string | undefined, Lane>();
  private _closed = false;
  private _warnedUnavailable = false;
  private readonly _refusedReasons = new Set<string>();
  private readonly _refusals: RefusalReporter;
  private _idleWaiters: Array<() => void> = [];
  private readonly _now: () => number;

  constructor(private readonly _options: SpoolingSenderOptions) {
    this._now = _options.now ?? Date.now;
    this._refusals = new RefusalReporter(_options.diagnostics);
    const open = _options.open ?? ((options: SpoolOptions) => Spool.open(options));
    this._opened = open({
      ..._options.spool,
      onProblem: (problem) => this._onProblem(problem),
      // Segments of a process that died after this one started: drained like a previous run's.
      onTakeover: (identity) => {
        if (this._spool !== undefined && identity.pushUrl === this._options.pushUrl && !this._closed)
          this._startBacklog(this._lane(identity.tenant ?? undefined), this._spool);
      },
    }).then(
      (result) => {
        if (result.status === 'unavailable') {
          this._warnUnavailable(result.message);
          return undefined;
        }
        if (this._closed) {
          void result.spool.close();
          return undefined;
        }
        this._spool = result.spool;
        // What earlier processes (or this directory's dead neighbours) left: drained first.
        for (const identity of result.spool.identities()) {
          if (identity.pushUrl !== this._options.pushUrl) continue;
          this._startBacklog(this._lane(identity.tenant ?? undefined), result.spool);
        }
        return result.spool;
      },
      (error: unknown) => {
        this._warnUnavailable(`the spool could not be opened: ${String(error)}`);
        return undefined;
      }
    );
  }

  /** Appending is prompt: an export waits for its data to be on disk (see `submit`). */
  get isIdle(): boolean {
    return this._spool === undefined ? this._options.fallback.isIdle : true;
  }

  /** True while a lane's pushes are failing (or the memory fallback's). */
  get isFailing(): boolean {
    for (const lane of this._lanes.values()) if (lane.failures > 0) return true;
    return this._options.fallback.isFailing;
  }

  /** Whether pushes of `tenant` are failing now (the exit path then writes to disk without trying Loki). */
  isFailingFor(tenant: string | undefined): boolean {
    return (this._lanes.get(tenant)?.failures ?? 0) > 0;
  }

  /** Entries and estimated bytes held in memory (the fallback, and streams not yet stored). */
  get held(): { entries: number; bytes: number } {
    const held = this._options.fallback.held;
    let entries = held.entries;
    for (const lane of this._lanes.values())
      for (const batch of lane.waiting) for (const stream of batch.streams) entries += stream.entries.length;
    return { entries, bytes: held.bytes };
  }

  /** The spool's own figures, when it is open. */
  spoolStats(): SpoolStats | undefined {
    return this._spool?.stats();
  }

  /**
   * Stores the streams of one tenant in the spool, then sends them when their turn comes.
   * `settle` is told `retained` once they are on disk (or handed to the memory fallback).
   */
  submit(tenant: string | undefined, streams: PushStream[], settle?: (outcome: ChunkOutcome) => void): void {
    if (this._closed) {
      this._options.fallback.submit(tenant, streams, settle); // closed too: counts the drop
      return;
    }
    const lane = this._lane(tenant);
    const batch: WaitingBatch = { tenant, streams, settle };
    lane.waiting.add(batch);
    // _store never rejects: an unexpected failure hands the batch to the memory fallback.
    void this._inChain(lane, () => this._store(lane, batch));
  }

  /**
   * Sends what is waiting now (cutting pauses short). Resolves when every lane is live with
   * nothing in flight, or at once while Loki is failing: a flush never waits for an outage.
   */
  async flush(): Promise<void> {
    await this._opened;
    const failing = this.isFailing;
    for (const lane of this._lanes.values()) this._endPause(lane);
    const memory = this._options.fallback.flush();
    if (!failing) {
      // Bounded: each wait ends on a change of some lane; it stops at idleness or a failure.
      while (!this._isIdle() && !this.isFailing && !this._closed)
        await new Promise<void>((resolve) => this._idleWaiters.push(resolve));
    }
    await memory;
  }

  /**
   * Tries to send everything within `timeoutMillis` (not at all while Loki is failing: the data
   * is on disk), then aborts the pushes in flight. What is not delivered stays in the spool for
   * the next process (nothing is dropped); the memory fallback drops and counts what it holds.
   * Returns whether everything was delivered.
   */
  async close(timeoutMillis: number, abort: () => void): Promise<boolean> {
    const started = this._now();
    let timedOut = false;
    // Not unref'd: an app awaiting shutdown() must not exit while it sends (it is bounded).
    const timer = setTimeout(() => {
      timedOut = true;
      this._notifyAll();
    }, timeoutMillis);
    await this._opened;
    for (const lane of this._lanes.values()) this._endPause(lane);
    const memory = this._options.fallback.close(timeoutMillis, abort);
    // Bounded by the timer. While Loki is failing it does not wait: the data is safe on disk.
    while (!this._isIdle() && !timedOut && !this._spoolFailing())
      await new Promise<void>((resolve) => this._idleWaiters.push(resolve));
    clearTimeout(timer);
    const delivered = this._isIdle();
    this._closed = true;
    if (!delivered) abort();
    this._notifyAll();
    // Appends still queued are local writes: let them finish before the files are closed.
    await Promise.all([...this._lanes.values()].map((lane) => lane.chain));
    const left = this._spool?.stats();
    await this._spool?.close();
    if (left !== undefined && left.entries > 0) {
      logger.info(
        `${left.entries} entries not yet accepted by Loki stay in the spool (${this._options.spool.directory}) for the next start`
      );
    }
    logger.debug(`spooling sender closed after ${this._now() - started} ms`);
    return (await memory) && delivered;
  }

  /**
   * For the synchronous flush at exit: stops the sender and returns what is not on disk yet
   * (streams submitted and not stored, and the memory fallback's). What is on disk stays for
   * the next process (requests in flight included: a resend is byte-identical).
   */
  takeAll(): WaitingBatch[] {
    this._closed = true;
    const taken: WaitingBatch[] = [];
    for (const lane of this._lanes.values()) {
      taken.push(...lane.waiting);
      lane.waiting.clear();
      this._endPause(lane);
    }
    taken.push(...this._options.fallback.takeAll());
    this._notifyAll();
    return taken;
  }

  /**
   * Writes `streams` to the spool synchronously (the exit path), for the next process to
   * send. Returns the entries stored.
   */
  storeSync(tenant: string | undefined, streams: readonly PushStream[]): number {
    const spool = this._spool;
    if (spool === undefined) return 0;
    let stored = 0;
    for (const request of this._options.client.encode(streams)) {
      const result = spool.appendSync(this._identity(tenant), request.body, metaOf(request));
      if (result.status === 'stored') stored += request.entries;
    }
    return stored;
  }

  /** Last step of the exit path: frees the spool's files for the next process at once. */
  closeSync(): void {
    this._closed = true;
    this._spool?.closeSync();
  }

  private _lane(tenant: string | undefined): Lane {
    let lane = this._lanes.get(tenant);
    if (lane === undefined) {
      lane = {
        tenant,
        identity: this._identity(tenant),
        chain: Promise.resolve(),
        waiting: new Set(),
        appends: 0,
        inFlight: 0,
        backlog: false,
        failures: 0,
        pause: undefined,
        pacer: new DrainPacer(this._now),
        changed: [],
      };
      this._lanes.set(tenant, lane);
    }
    return lane;
  }

  private _identity(tenant: string | undefined): SpoolIdentity {
    return { pushUrl: this._options.pushUrl, tenant };
  }

  /** Runs `task` after everything queued on the lane. */
  private _inChain<T>(lane: Lane, task: () => Promise<T> | T): Promise<T> {
    const run = lane.chain.then(task);
    lane.chain = run.then(
      () => undefined,
      (error: unknown) => logger.debug('spooling sender: a queued step failed', error)
    );
    return run;
  }

  /** Encodes and appends one batch; sends it at once when the lane is live. Never rejects. */
  private async _store(lane: Lane, batch: WaitingBatch): Promise<void> {
    const spool = await this._opened;
    if (!lane.waiting.delete(batch)) return; // taken by the exit path meanwhile
    if (spool === undefined || this._spool === undefined) {
      this._options.fallback.submit(batch.tenant, batch.streams, batch.settle);
      return;
    }
    let requests: EncodedPushRequest[] = [];
    let stored = 0;
    try {
      requests = this._options.client.encode(batch.streams);
      for (; stored < requests.length; stored++) {
        const request = requests[stored];
        const live = !lane.backlog && lane.inFlight < this._options.maxConcurrent && !this._closed;
        const result = await spool.append(lane.identity, request.body, metaOf(request), { inFlight: live });
        if (result.status !== 'stored') {
          this._warnRefused(result.reason);
          this._options.fallback.submit(batch.tenant, [...request.streams]);
          continue;
        }
        lane.appends++;
        if (live) void this._sendLive(lane, spool, request, result.ref);
        else this._startBacklog(lane, spool);
      }
    } catch (error) {
      // Not expected (append never rejects): what is not stored goes to memory, not lost.
      logger.error('the spool could not store a batch; it is kept in memory', error);
      const rest = stored === 0 ? batch.streams : requests.slice(stored).flatMap((r) => [...r.streams]);
      this._options.fallback.submit(batch.tenant, rest);
    }
    batch.settle?.({ kind: 'retained' });
  }

  private async _sendLive(lane: Lane, spool: Spool, request: EncodedPushRequest, ref: SpoolRef): Promise<void> {
    lane.inFlight++;
    try {
      await this._push(lane, spool, request, ref);
    } finally {
      lane.inFlight--;
      this._changed(lane);
    }
  }

  /** The backlog loop of a lane; one per lane at a time. */
  private _startBacklog(lane: Lane, spool: Spool): void {
    if (lane.backlog) return;
    lane.backlog = true;
    void this._drain(lane, spool).catch((error: unknown) => {
      lane.backlog = false;
      logger.debug('spooling sender: the drain loop failed', error);
    });
  }

  private async _drain(lane: Lane, spool: Spool): Promise<void> {
    // Bounded: each pass sends what is pending or waits out a pause; the loop ends when a pass
    // finds nothing, or at close.
    while (!this._closed) {
      if (lane.pause !== undefined) await this._waitForChange(lane);
      if (lane.pause !== undefined) continue;
      const appendsBefore = lane.appends;
      let sent = 0;
      for await (const record of spool.pending(lane.identity)) {
        // Bounded: each wait ends when a push of the lane ends, a pause starts or ends, or at close.
        while (lane.inFlight >= this._limit(lane) && lane.pause === undefined && !this._closed)
          await this._waitForChange(lane);
        if (this._closed || lane.pause !== undefined) {
          spool.release(record.ref);
          break;
        }
        const until = this._now() + lane.pacer.reserve(record.meta.uncompressedBytes);
        // Bounded: each pass sleeps the time left (or until a change of the lane); ends at close.
        while (!this._closed && this._now() < until) await this._sleep(lane, until - this._now());
        if (this._closed) {
          spool.release(record.ref);
          break;
        }
        sent++;
        void this._sendStored(lane, spool, record);
      }
      while (lane.inFlight > 0 && !this._closed) await this._waitForChange(lane);
      if (this._closed || sent > 0 || lane.pause !== undefined) continue;
      // Nothing was pending: live again, decided in the append chain so that no append slips
      // between this check and the switch.
      const done = await this._inChain(lane, () => {
        if (lane.appends !== appendsBefore || lane.inFlight > 0 || lane.pause !== undefined) return false;
        lane.backlog = false;
        return true;
      });
      if (done) {
        this._notifyIdle();
        return;
      }
    }
    lane.backlog = false;
  }

  /** One push at a time while failing, else up to `maxConcurrent`. */
  private _limit(lane: Lane): number {
    return lane.failures > 0 ? 1 : this._options.maxConcurrent;
  }

  private async _sendStored(lane: Lane, spool: Spool, record: SpooledRequest): Promise<void> {
    lane.inFlight++;
    try {
      const { meta } = record;
      const oldest = this._options.oldestAcceptedNanos();
      if (meta.newestNanos < oldest) {
        // All of it is older than Loki accepts now: dropped and counted, not sent.
        this._options.diagnostics.countAndWarnOnce('droppedTooOld', meta.entries);
        await spool.acknowledge(record.ref);
        return;
      }
      if (meta.oldestNanos < oldest) {
        await this._sendExpiring(lane, spool, record, oldest);
        return;
      }
      await this._push(lane, spool, storedRequest(record), record.ref);
    } finally {
      lane.inFlight--;
      this._changed(lane);
    }
  }

  /** A stored request partly older than Loki accepts: its younger entries, re-encoded as they are. */
  private async _sendExpiring(lane: Lane, spool: Spool, record: SpooledRequest, oldest: bigint): Promise<void> {
    const streams: PushStream[] = [];
    let expired = 0;
    for (const stream of decodeStored(record)) {
      const entries = stream.entries.filter((entry) => entry.timestampNanos >= oldest);
      expired += stream.entries.length - entries.length;
      if (entries.length > 0) streams.push({ labels: stream.labels, entries });
    }
    for (const request of this._options.client.encode(streams)) {
      if (!(await this._attempt(lane, request))) {
        spool.release(record.ref); // sent again whole later: the part delivered is dropped by Loki
        return;
      }
    }
    if (expired > 0) this._options.diagnostics.countAndWarnOnce('droppedTooOld', expired);
    await spool.acknowledge(record.ref);
  }

  /** Pushes one request and settles its spool record. */
  private async _push(lane: Lane, spool: Spool, request: EncodedPushRequest, ref: SpoolRef): Promise<void> {
    if (await this._attempt(lane, request)) await spool.acknowledge(ref);
    else spool.release(ref);
  }

  /**
   * One attempt. True when the record is done with (delivered, or refused for good and
   * counted); false when it must be sent again (a retryable failure: the lane pauses).
   */
  private async _attempt(lane: Lane, request: EncodedPushRequest): Promise<boolean> {
    const options = singleAttemptOptions(lane.tenant, this._options);
    let attempt = DELIVERED_ATTEMPT;
    try {
      await withTracingSuppressed(() => this._options.client.pushEncoded(request, options));
    } catch (err) {
      attempt = failedAttempt(err, request.entries);
    }
    const diagnostics = this._options.diagnostics;
    switch (attempt.kind) {
      case 'delivered':
        lane.failures = 0;
        diagnostics.count('entries', request.entries);
        return true;
      case 'retryable': {
        const { error } = attempt;
        if (this._closed || error.reason === 'aborted') return false;
        diagnostics.count('pushRetries');
        diagnostics.count('entries', request.entries - attempt.failed);
        logger.debug(
          `push to tenant ${lane.tenant ?? '(none)'} failed, kept in the spool for a retry: ${error.message}`
        );
        if (error.status === 429) lane.pacer.throttled();
        this._pauseFor(lane, error.retryAfterMillis);
        if (this._spool !== undefined) this._startBacklog(lane, this._spool);
        return false;
      }
      case 'refused':
        diagnostics.count('entries', request.entries - attempt.failed);
        this._refusals.refused(attempt.error, attempt.failed);
        return true;
    }
  }

  private _pauseFor(lane: Lane, retryAfterMillis: number | undefined): void {
    if (lane.pause !== undefined) clearTimeout(lane.pause.timer);
    lane.failures++;
    const delay = retryDelayMillis(lane.failures, retryAfterMillis, this._options.random ?? Math.random);
    const wake = (): void => this._endPause(lane);
    const timer = setTimeout(wake, delay);
    timer.unref?.();
    lane.pause = { timer, wake };
    this._changed(lane);
    this._notifyIdle(); // a flush stops waiting when Loki fails
  }

  private _endPause(lane: Lane): void {
    if (lane.pause === undefined) return;
    clearTimeout(lane.pause.timer);
    lane.pause = undefined;
    this._changed(lane);
  }

  /** Waits `millis` (pacing); a change of the lane wakes it early, the caller checks the time. */
  private _sleep(lane: Lane, millis: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, millis);
      timer.unref?.();
      lane.changed.push(done);
    });
  }

  private _waitForChange(lane: Lane): Promise<void> {
    return new Promise((resolve) => lane.changed.push(resolve));
  }

  private _changed(lane: Lane): void {
    const waiters = lane.changed;
    lane.changed = [];
    for (const resolve of waiters) resolve();
    this._notifyIdle();
  }

  private _notifyAll(): void {
    for (const lane of this._lanes.values()) this._changed(lane);
    this._notifyIdle();
  }

  private _notifyIdle(): void {
    const waiters = this._idleWaiters;
    this._idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A lane of the open spool is failing (its data waits on disk). */
  private _spoolFailing(): boolean {
    if (this._spool === undefined) return false;
    for (const lane of this._lanes.values()) if (lane.failures > 0) return true;
    return false;
  }

  private _isIdle(): boolean {
    for (const lane of this._lanes.values()) {
      if (lane.backlog || lane.inFlight > 0 || lane.waiting.size > 0 || lane.pause !== undefined) return false;
    }
    return this._options.fallback.isIdle;
  }

  private _warnUnavailable(detail: string): void {
    if (this._warnedUnavailable) return;
    this._warnedUnavailable = true;
    logger.warn(
      `the disk spool in ${this._options.spool.directory} cannot be used (${detail}): logs are kept in memory (retry buffer) instead`
    );
  }

  /**
   * An append refused: environmental failures were reported by the spool itself (`degraded`,
   * once per transition); the others once per reason.
   */
  private _warnRefused(reason: string): void {
    if (ENVIRONMENTAL.has(reason) || this._refusedReasons.has(reason)) return;
    this._refusedReasons.add(reason);
    const why =
      reason === 'too_large'
        ? 'a request is larger than spool.maxBytes'
        : reason === 'spool_full'
          ? "other processes' files fill the directory up to spool.maxBytes"
          : `the spool refused it (${reason})`;
    logger.warn(`a request could not be stored in the disk spool (${why}): it is kept in memory instead`);
  }

  private _onProblem(problem: SpoolProblem): void {
    const directory = this._options.spool.directory;
    switch (problem.kind) {
      case 'degraded':
        logger.warn(
          `the disk spool in ${directory} failed to ${problem.operation} (${problem.reason}): logs are kept in memory until it works again`,
          problem.cause
        );
        return;
      case 'recovered':
        logger.info(`the disk spool in ${directory} works again`);
        return;
      case 'corrupt':
        logger.warn(
          `a damaged region of the spool file ${problem.file} was skipped (${problem.bytes} bytes from offset ${problem.offset}: ${problem.detail}); the requests in it are lost`
        );
        return;
      case 'spool_full':
        logger.warn(
          `the disk spool in ${directory} reached spool.maxBytes: the oldest ${problem.droppedEntries} entries were dropped; further drops are counted in stats.droppedSpoolFull`
        );
        return;
      case 'fenced':
        logger.warn(
          `this process was stalled for ${problem.stalledMillis} ms, longer than its spool lease: its spool files may have been taken over by another process (requests in flight may be sent twice, which Loki drops)`
        );
        return;
    }
  }
}

/**
 * What the spool keeps beside a request. The exporter's own entries are compared as (seconds,
 * nanos) numbers and converted once at the end: no `bigint` per entry; other entries are read
 * by `timestampNanos`.
 */
function metaOf(request: EncodedPushRequest): SpoolRecordMeta {
  const span = entryTimeSpan(request.streams);
  return {
    entries: request.entries,
    oldestNanos: span?.oldest ?? 0n,
    newestNanos: span?.newest ?? 0n,
    uncompressedBytes: request.bytes,
    contentType: request.contentType === PROTOBUF ? undefined : request.contentType,
    streamCount: request.streams.length,
  };
}

/** A stored request as the push client sends it; its streams are decoded only if a failure needs them. */
function storedRequest(record: SpooledRequest): EncodedPushRequest {
  let streams: readonly PushStream[] | undefined;
  return {
    body: record.body,
    contentType: record.meta.contentType ?? PROTOBUF,
    bytes: record.meta.uncompressedBytes,
    entries: record.meta.entries,
    streamCount: record.meta.streamCount,
    get streams(): readonly PushStream[] {
      streams ??= decodeStored(record);
      return streams;
    },
  };
}

/**
 * The streams of a stored request (protobuf). A JSON body is not decoded: its streams read as
 * none, so a JSON request Loki finds too large is refused rather than halved.
 */
function decodeStored(record: SpooledRequest): PushStream[] {
  if ((record.meta.contentType ?? PROTOBUF) !== PROTOBUF) return [];
  try {
    return decodePushRequest(snappyUncompress(record.body));
  } catch (error) {
    logger.debug('a spooled request could not be decoded', error);
    return [];
  }
}

export type { WaitingBatch };
