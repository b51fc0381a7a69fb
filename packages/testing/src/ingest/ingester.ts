/**
 * The ingester's part of a push: streams per tenant, the stream limit, the "too far behind"
 * window and the silent duplicate check, with Loki's messages and status codes.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/ingester/instance.go (Push, createStream)
 * @see https://github.com/grafana/loki/blob/main/pkg/ingester/stream.go (validateEntries, errorForFailedEntries)
 */
import { formatGoTime, formatRfc3339, millisToNanos } from '../go-format';
import type { HttpAnswer, IngestedEntry } from '../internal-types';
import { labelsToString, parseMetric } from './metric-parser';
import { TokenBucket } from './rate-limiter';
import { sameEntry, StoredStream } from './stored-stream';

/** `ingester.max_ignored_stream_errors`: failed entries listed in one answer. */
const MAX_RETURNED_ERRORS = 10;

/** Ingester settings that apply to every tenant. */
export interface IngesterSettings {
  maxStreamsPerTenant: number;
  outOfOrderWindowMillis: number;
  duplicateCheckIgnoresMetadata: boolean;
  perStreamRateLimitBytesPerSecond: number;
  perStreamRateLimitBurstBytes: number;
}

/** What one ingester push did. */
export interface IngestResult {
  stored: number;
  refused: number;
  deduplicated: number;
  /** The answer when something was refused (the last stream's error wins, as in Loki). */
  error?: HttpAnswer;
}

const BYTE_UNITS: ReadonlyArray<[string, number]> = [
  ['EB', 2 ** 60],
  ['PB', 2 ** 50],
  ['TB', 2 ** 40],
  ['GB', 2 ** 30],
  ['MB', 2 ** 20],
  ['KB', 2 ** 10],
];

/** `datasize.ByteSize.String()` (dskit's flagext.ByteSize): the largest exact unit of 1024. */
function goByteSize(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const [unit, size] of BYTE_UNITS) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

/** Index of the first entry with a timestamp greater than `ts` (entries sorted by time). */
export function upperBound(entries: ReadonlyArray<{ timestampNanos: bigint }>, ts: bigint): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (entries[mid].timestampNanos <= ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** All tenants' streams. */
export class Ingester {
  private readonly _tenants = new Map<string, Map<string, StoredStream>>();

  constructor(private readonly _settings: IngesterSettings) {}

  /** Streams of `tenant`, or of every tenant. */
  streams(tenant?: string): Array<{ tenant: string; stream: StoredStream }> {
    const result: Array<{ tenant: string; stream: StoredStream }> = [];
    for (const [name, streams] of this._tenants) {
      if (tenant !== undefined && name !== tenant) continue;
      for (const stream of streams.values()) result.push({ tenant: name, stream });
    }
    return result;
  }

  /** Forgets everything. */
  clear(): void {
    this._tenants.clear();
  }

  /** Pushes validated streams (canonical label strings) of one tenant. */
  push(
    tenant: string,
    streams: ReadonlyArray<{ labels: string; entries: IngestedEntry[] }>,
    nowMillis = Date.now()
  ): IngestResult {
    const result: IngestResult = { stored: 0, refused: 0, deduplicated: 0 };
    let tenantStreams = this._tenants.get(tenant);
    if (!tenantStreams) {
      tenantStreams = new Map();
      this._tenants.set(tenant, tenantStreams);
    }
    for (const request of streams) {
      let stream = tenantStreams.get(request.labels);
      if (!stream) {
        const parsed = parseMetric(request.labels);
        if (!parsed.ok) {
          result.refused += request.entries.length;
          result.error = { status: 400, body: parsed.error };
          continue;
        }
        if (tenantStreams.size >= this._settings.maxStreamsPerTenant) {
          result.refused += request.entries.length;
          result.error = {
            status: 429,
            body:
              `Maximum active stream limit exceeded when trying to create stream ${labelsToString(parsed.labels)}, ` +
              'reduce the number of active streams (reduce labels or reduce label values), or contact your Loki ' +
              `administrator to see if the limit can be increased, user: '${tenant}'`,
          };
          continue;
        }
        const { perStreamRateLimitBytesPerSecond: rate, perStreamRateLimitBurstBytes: burst } = this._settings;
        stream = new StoredStream(request.labels, parsed.labels, new TokenBucket(rate, burst));
        tenantStreams.set(request.labels, stream);
      }
      const error = this._pushToStream(tenant, stream, request.entries, result, nowMillis);
      if (error) result.error = error;
    }
    return result;
  }

  private _pushToStream(
    tenant: string,
    stream: StoredStream,
    entries: IngestedEntry[],
    result: IngestResult,
    nowMillis: number
  ): HttpAnswer | undefined {
    const ignoreMetadata = this._settings.duplicateCheckIgnoresMetadata;
    const window = millisToNanos(this._settings.outOfOrderWindowMillis);
    const failed: Array<{ entry: IngestedEntry; reason: string; rateLimited?: boolean }> = [];
    for (const entry of entries) {
      if (stream.lastLine && sameEntry(stream.lastLine, entry, ignoreMetadata)) {
        result.deduplicated++;
        continue;
      }
      const entryBytes =
        Buffer.byteLength(entry.line) +
        entry.metadata.reduce((n, l) => n + Buffer.byteLength(l.name) + Buffer.byteLength(l.value), 0);
      if (!stream.rateLimiter.allow(nowMillis, entryBytes)) {
        failed.push({
          entry,
          rateLimited: true,
          reason:
            `Per stream rate limit exceeded (limit: ${goByteSize(stream.rateLimiter.ratePerSecond)}/sec) while attempting to ingest ` +
            `for stream '${stream.key}' totaling ${goByteSize(entryBytes)}, consider splitting a stream via additional labels ` +
            'or contact your Loki administrator to see if the limit can be increased',
        });
        continue;
      }
      if (stream.highestTs !== undefined) {
        const cutoff = stream.highestTs - window;
        if (entry.timestampNanos < cutoff) {
          failed.push({
            entry,
            reason:
              `entry too far behind, entry timestamp is: ${formatRfc3339(entry.timestampNanos)}, ` +
              `oldest acceptable timestamp is: ${formatRfc3339(cutoff)}`,
          });
          continue;
        }
      }
      stream.lastLine = entry;
      if (stream.highestTs === undefined || entry.timestampNanos > stream.highestTs)
        stream.highestTs = entry.timestampNanos;
      // The head block drops an entry equal to one already stored at the same timestamp.
      if (!stream.add(entry, ignoreMetadata)) {
        result.deduplicated++;
        continue;
      }
      result.stored++;
    }
    if (failed.length === 0) return undefined;
    result.refused += failed.length;
    let body = '';
    for (const { entry, reason } of failed.slice(0, MAX_RETURNED_ERRORS)) {
      body += `entry with timestamp ${formatGoTime(entry.timestampNanos)} ignored, reason: '${reason}',\n`;
    }
    body += `user '${tenant}', total ignored: ${failed.length} out of ${entries.length} for stream: ${stream.key}`;
    // The status follows the last refused entry (stream.go errorForFailedEntries).
    return { status: failed[failed.length - 1].rateLimited ? 429 : 400, body };
  }
}
