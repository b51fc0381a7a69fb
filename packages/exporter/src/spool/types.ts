/** Public types of the disk spool. */
import type { SpoolFileSystem } from './spool-file-system';

/**
 * Where a spooled request goes: a record is only ever handed back for the same push URL and
 * tenant it was stored for. Credentials and headers are never part of it (a `user:password@`
 * in the URL is removed before anything is written).
 */
export interface SpoolIdentity {
  /** The push endpoint, e.g. `http://loki:3100/loki/api/v1/push`. */
  readonly pushUrl: string;
  /** The `X-Scope-OrgID` the request is sent with, if any. */
  readonly tenant: string | undefined;
}

/** What the spool keeps next to an encoded request, for counting, ordering and metrics. */
export interface SpoolRecordMeta {
  /** Log entries in the request. */
  readonly entries: number;
  /** Timestamp of the oldest entry, in nanoseconds since the epoch. */
  readonly oldestNanos: bigint;
  /** Timestamp of the newest entry, in nanoseconds since the epoch. */
  readonly newestNanos: bigint;
  /** Uncompressed size, for pacing against Loki's rate limits (e.g. `EncodedPushRequest.bytes`). */
  readonly uncompressedBytes: number;
  /** The body's `Content-Type` (`EncodedPushRequest.contentType`): protobuf or JSON. */
  readonly contentType?: string;
  /** Label sets of the request's streams (for keeping each stream in order across backlog and live data). */
  readonly streams?: readonly string[];
  /** How many streams the request carries. */
  readonly streamCount?: number;
}

/** A stored record: pass it to `acknowledge` after a 2xx, or to `release` to make it pending again. */
export interface SpoolRef {
  readonly segment: string;
  readonly offset: number;
  readonly entries: number;
}

/** A record handed out by `pending()`. */
export interface SpooledRequest {
  readonly ref: SpoolRef;
  readonly identity: SpoolIdentity;
  /** The exact bytes to POST (snappy-compressed protobuf `PushRequest`). */
  readonly body: Uint8Array;
  readonly meta: SpoolRecordMeta;
  /** When the record was appended (wall clock, milliseconds since the epoch). */
  readonly appendedMillis: number;
}

/** Why the spool cannot be used (the caller keeps records in memory and warns once). */
export type SpoolUnavailableReason =
  | 'no_space'
  | 'read_only'
  | 'permission_denied'
  | 'foreign_owner'
  | 'world_writable'
  | 'symlink'
  | 'not_a_directory'
  | 'io_error';

/** Result of `Spool.open` when the directory cannot be used. */
export interface SpoolUnavailable {
  readonly status: 'unavailable';
  readonly reason: SpoolUnavailableReason;
  /** Readable explanation naming the directory (never a credential). */
  readonly message: string;
  readonly cause?: unknown;
}

/** Result of `append`: stored (durable per the fsync policy), or not (keep it in memory). */
export type SpoolAppendResult =
  | { readonly status: 'stored'; readonly ref: SpoolRef }
  | {
      readonly status: 'unavailable';
      /** `too_large`: the record alone exceeds `maxBytes`; `spool_full`: other processes' files fill the directory. */
      readonly reason: SpoolUnavailableReason | 'closed' | 'too_large' | 'spool_full';
    };

/** Something the spool noticed, reported once per occurrence kind (see `onProblem`). */
export type SpoolProblem =
  | {
      readonly kind: 'corrupt';
      readonly file: string;
      readonly offset: number;
      readonly bytes: number;
      readonly detail: string;
    }
  | {
      readonly kind: 'degraded';
      readonly reason: SpoolUnavailableReason;
      readonly operation: string;
      readonly cause: unknown;
    }
  | { readonly kind: 'recovered' }
  | { readonly kind: 'spool_full'; readonly droppedRecords: number; readonly droppedEntries: number }
  | { readonly kind: 'fenced'; readonly stalledMillis: number };

/** When the spool fsyncs appended data. */
export type SpoolFsyncPolicy = 'interval' | 'always' | 'never';

/** Options of `Spool.open`. */
export interface SpoolOptions {
  /** The spool directory; created with mode 0700 when missing. */
  readonly directory: string;
  /**
   * Bound on the directory's size. At the bound the oldest records are dropped and counted.
   * @default 1 GiB
   */
  readonly maxBytes?: number;
  /**
   * Size at which a segment file is closed and a new one started.
   * @default min(16 MiB, maxBytes / 8)
   */
  readonly segmentBytes?: number;
  /**
   * `interval`: appended data is written at once (it survives a crash or kill -9 of the
   * process) and fsynced at most `fsyncIntervalMillis` later (a power loss loses at most that).
   * `always`: `append` resolves after the fsync (concurrent appends share one).
   * `never`: the OS decides.
   * @default 'interval'
   */
  readonly fsync?: SpoolFsyncPolicy;
  /** @default 1000 */
  readonly fsyncIntervalMillis?: number;
  /**
   * Longest an acknowledgement waits to be written with its segment's next append (one write
   * for both). A process killed meanwhile sends those records again at the next start
   * (byte-identical: Loki drops the duplicates). `0`: written before `acknowledge` resolves.
   * @default 200
   */
  readonly ackDelayMillis?: number;
  /**
   * How often the lease is refreshed and the directory looked at for files of dead processes.
   * A lease not refreshed for 3 intervals is expired and its files are taken over.
   * @default 5000
   */
  readonly heartbeatIntervalMillis?: number;
  /** After an environmental failure, how long appends are refused before the disk is tried again. @default 30000 */
  readonly retryAfterMillis?: number;
  /** Called for each problem worth a warning (once per kind of occurrence); must not throw. */
  readonly onProblem?: (problem: SpoolProblem) => void;
  /**
   * Called when a segment of another (dead or closed) process was taken over, with its
   * identity: its records are pending now (the caller drains them). Must not throw.
   */
  readonly onTakeover?: (identity: SpoolIdentity) => void;
  /** @internal tests: the file-system layer. */
  readonly fileSystem?: SpoolFileSystem;
  /** @internal tests: the wall clock. */
  readonly now?: () => number;
  /** @internal tests: the uid the directory must belong to (default `process.getuid()`). */
  readonly uid?: number;
}

/** What `stats()` reports. Bytes and files are this process's own, `directoryBytes` everyone's. */
export interface SpoolStats {
  readonly bytes: number;
  readonly files: number;
  /** Size of every spool file in the directory, as of the last heartbeat plus own changes. */
  readonly directoryBytes: number;
  /** Records stored and not acknowledged (including those handed out and not yet acknowledged). */
  readonly records: number;
  readonly entries: number;
  /** Age of the oldest record not acknowledged (segment granularity), 0 when empty. */
  readonly oldestRecordAgeMillis: number;
  /** Records and entries dropped at `maxBytes` (`reason="spool_full"`). */
  readonly droppedRecords: number;
  readonly droppedEntries: number;
  /** Corrupt or torn regions skipped, and their bytes. */
  readonly corruptSkipped: number;
  readonly corruptBytes: number;
  /** Segment files taken over from processes whose lease expired or was released. */
  readonly segmentsTakenOver: number;
  /** `degraded` after an environmental failure until the disk works again. */
  readonly state: 'ok' | 'degraded' | 'closed';
}
