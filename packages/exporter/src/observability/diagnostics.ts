/**
 * Counters of every rewrite and drop, and a `diag` warning the first time each kind happens,
 * so that a service logging a million odd records gets one line of explanation, not a million.
 */
import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import type { LokiExporterStats } from '../types';

/** Component logger of the exporter; never `console`. */
export const logger: DiagLogger = diag.createComponentLogger({ namespace: '@otel-loki/exporter' });

/** The kinds of rewrite or drop that are counted and reported once. */
export type RewriteKind = Exclude<keyof LokiExporterStats, FlowKind | GaugeKind>;

/** Counters of the normal flow: counted, never warned about. */
export type FlowKind = 'records' | 'entries' | 'exportsSucceeded' | 'exportsFailed' | 'pushRetries' | 'entriesRefused';

/** Values of the moment, filled in by the exporter when stats are read. */
export type GaugeKind = 'retryBufferEntries' | 'retryBufferBytes' | SpoolKind;

/** Read from the disk spool when stats are read (it counts its own drops and damage). */
export type SpoolKind =
  'spoolBytes' | 'spoolFiles' | 'spoolEntries' | 'spoolOldestAgeMillis' | 'droppedSpoolFull' | 'spoolCorruptSkipped';

const EXPLANATIONS: Readonly<Record<RewriteKind, string>> = {
  timestampsNudged:
    'timestamps of entries sharing a stream and a timestamp were moved by 1 ns so that Loki keeps them all',
  timestampsReplaced:
    "timestamps outside Loki's accepted window were replaced by the observed time (or now); the original is in metadata original_timestamp",
  timestampsDropped: "records with timestamps outside Loki's accepted window were dropped (invalidTimestamp: 'drop')",
  linesTruncated: 'lines longer than maxLineSize were truncated',
  linesDropped: "lines longer than maxLineSize were dropped (oversizedLine: 'drop')",
  labelsDemoted:
    'label candidates beyond maxLabelNamesPerSeries or the stream cap were stored as structured metadata instead',
  labelValuesTruncated: 'label values longer than maxLabelValueLength were truncated',
  invalidUnicodeReplaced: 'U+FFFD or lone surrogates in label or metadata values were replaced',
  metadataTrimmed: 'structured metadata over Loki’s count or size limit was trimmed',
  nameCollisions:
    'attributes whose sanitized names collide were dropped (exact names win over rewritten ones, then the first)',
  invalidNamesDropped: 'attributes whose names cannot become Loki names (nothing but underscores) were dropped',
  invalidTenants: 'records whose tenant attribute is not a valid tenant ID were sent to the default tenant',
  droppedBufferFull:
    'Loki has been unavailable for longer than the retry buffer holds (retryBufferBytes): the oldest buffered entries were dropped',
  droppedTooOld: 'buffered entries that had become older than Loki accepts (rejectOldSamplesMaxAgeMillis) were dropped',
  droppedAtShutdown: 'entries not delivered within shutdownTimeoutMillis were dropped at shutdown',
  droppedAtExit: 'entries not delivered by the flush at process exit within exitTimeoutMillis were dropped',
};

/** Counts rewrites and drops; warns once per kind. */
export class Diagnostics {
  private readonly _stats: LokiExporterStats = {
    records: 0,
    entries: 0,
    exportsSucceeded: 0,
    exportsFailed: 0,
    pushRetries: 0,
    entriesRefused: 0,
    droppedBufferFull: 0,
    droppedTooOld: 0,
    droppedAtShutdown: 0,
    droppedAtExit: 0,
    retryBufferEntries: 0,
    retryBufferBytes: 0,
    spoolBytes: 0,
    spoolFiles: 0,
    spoolEntries: 0,
    spoolOldestAgeMillis: 0,
    droppedSpoolFull: 0,
    spoolCorruptSkipped: 0,
    timestampsNudged: 0,
    timestampsReplaced: 0,
    timestampsDropped: 0,
    linesTruncated: 0,
    linesDropped: 0,
    labelsDemoted: 0,
    labelValuesTruncated: 0,
    invalidUnicodeReplaced: 0,
    metadataTrimmed: 0,
    nameCollisions: 0,
    invalidNamesDropped: 0,
    invalidTenants: 0,
  };
  private readonly _reported = new Set<RewriteKind>();

  /** Counts `count` rewrites of `kind`; the first one of each kind also warns, with `detail` when given. */
  countAndWarnOnce(kind: RewriteKind, count = 1, detail?: string): void {
    this._stats[kind] += count;
    if (this._reported.has(kind)) return;
    this._reported.add(kind);
    const suffix = detail === undefined ? '' : ` (first: ${detail})`;
    logger.warn(`${EXPLANATIONS[kind]}${suffix}; further cases are counted in exporter.stats, not logged`);
  }

  /** Adds to one of the flow counters; never warns. */
  count(kind: FlowKind, n = 1): void {
    this._stats[kind] += n;
  }

  /** A snapshot of the counters. */
  snapshot(): LokiExporterStats {
    return { ...this._stats };
  }
}
