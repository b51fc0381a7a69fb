/** Defaults and validation of the spool's options (invalid options are programmer errors: they throw). */
import type { SpoolOptions } from './types';

/** Default bound on the spool directory. */
export const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
/** Largest default segment; smaller spools get `maxBytes / SEGMENTS_PER_SPOOL`. */
export const DEFAULT_MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
/** Segments a full spool is split into by default, so that dropping the oldest frees a fraction. */
export const SEGMENTS_PER_SPOOL = 8;
/** Default bound on what a power loss can lose. */
export const DEFAULT_FSYNC_INTERVAL_MILLIS = 1000;
/** Default lease refresh; a lease is expired after 3 of them. */
export const DEFAULT_HEARTBEAT_INTERVAL_MILLIS = 5000;
/** Default wait of an acknowledgement for its segment's next append. */
export const DEFAULT_ACK_DELAY_MILLIS = 200;
/** Default pause before the disk is tried again after an environmental failure. */
export const DEFAULT_RETRY_AFTER_MILLIS = 30_000;

/** Options with every default applied. */
export type ResolvedSpoolOptions = Required<Omit<SpoolOptions, 'onProblem' | 'onTakeover' | 'fileSystem' | 'uid'>> &
  Pick<SpoolOptions, 'onProblem' | 'onTakeover' | 'fileSystem' | 'uid'>;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`spool.${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Applies defaults; throws `TypeError`/`RangeError` naming the option. */
export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new TypeError(`spool.directory must be a non-empty path, got ${JSON.stringify(options.directory)}`);
  }
  const fsync = options.fsync ?? 'interval';
  if (!['interval', 'always', 'never'].includes(fsync)) {
    throw new RangeError(`spool.fsync must be 'interval', 'always' or 'never', got ${JSON.stringify(fsync)}`);
  }
  const maxBytes = positiveInteger('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
  const segmentDefault = Math.max(1, Math.min(DEFAULT_MAX_SEGMENT_BYTES, Math.floor(maxBytes / SEGMENTS_PER_SPOOL)));
  return {
    directory: options.directory,
    maxBytes,
    segmentBytes: positiveInteger('segmentBytes', options.segmentBytes, segmentDefault),
    fsync,
    fsyncIntervalMillis: positiveInteger(
      'fsyncIntervalMillis',
      options.fsyncIntervalMillis,
      DEFAULT_FSYNC_INTERVAL_MILLIS
    ),
    heartbeatIntervalMillis: positiveInteger(
      'heartbeatIntervalMillis',
      options.heartbeatIntervalMillis,
      DEFAULT_HEARTBEAT_INTERVAL_MILLIS
    ),
    retryAfterMillis: positiveInteger('retryAfterMillis', options.retryAfterMillis, DEFAULT_RETRY_AFTER_MILLIS),
    ackDelayMillis:
      options.ackDelayMillis === 0
        ? 0
        : positiveInteger('ackDelayMillis', options.ackDelayMillis, DEFAULT_ACK_DELAY_MILLIS),
    onProblem: options.onProblem,
    onTakeover: options.onTakeover,
    fileSystem: options.fileSystem,
    uid: options.uid ?? process.getuid?.(),
    now: options.now ?? Date.now,
  };
}
