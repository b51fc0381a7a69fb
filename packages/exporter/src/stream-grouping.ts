/**
 * Mapped records grouped into one batch of streams per tenant: by canonical label string,
 * through the stream cap, entries sorted by timestamp and made unique per stream, streams in
 * label order so that a request is deterministic.
 */
import type { PushStream } from '@otel-loki/push';
import type { Diagnostics } from './diagnostics';
import type { MappedRecord, StreamLabels } from './internal-types';
import type { LokiEntry } from './loki-entry';
import type { StreamCap } from './stream-cap';
import { sortEntries } from './timestamp-deduplication';
import type { TimestampDeduplicator } from './timestamp-deduplication';

/** Key of the default tenant (no `X-Scope-OrgID`) in maps; not a valid tenant ID. */
const NO_TENANT = '\u0000';

/** The streams of one tenant, ready for one push. */
export interface TenantBatch {
  /** `undefined`: no `X-Scope-OrgID` header. */
  tenant: string | undefined;
  streams: PushStream[];
  entries: number;
}

interface StreamGroup {
  labels: StreamLabels;
  entries: LokiEntry[];
}

/** Groups, caps, sorts and deduplicates. */
export class StreamGrouper {
  constructor(
    private readonly _streamCap: StreamCap,
    private readonly _deduplicator: TimestampDeduplicator | undefined,
    private readonly _diagnostics: Diagnostics
  ) {}

  /** Batches of `records`, one per tenant, in first-seen tenant order. */
  group(records: readonly MappedRecord[]): TenantBatch[] {
    const tenants = new Map<string, Map<string, StreamGroup>>();
    for (const record of records) {
      const tenantKey = record.tenant ?? NO_TENANT;
      let streams = tenants.get(tenantKey);
      if (streams === undefined) {
        streams = new Map();
        tenants.set(tenantKey, streams);
      }
      const key = record.stream.labelString;
      const group = streams.get(key);
      if (group === undefined) streams.set(key, { labels: record.stream, entries: [record.entry] });
      else group.entries.push(record.entry);
    }
    const batches: TenantBatch[] = [];
    for (const [tenantKey, streams] of tenants) {
      batches.push(this._batch(tenantKey, this._admit(tenantKey, streams)));
    }
    return batches;
  }

  /** Applies the stream cap; groups whose labels were demoted merge into their new stream. */
  private _admit(tenantKey: string, streams: Map<string, StreamGroup>): Map<string, StreamGroup> {
    const admitted = new Map<string, StreamGroup>();
    for (const group of streams.values()) {
      const labels = this._streamCap.admit(tenantKey, group.labels);
      if (labels !== group.labels && labels.demoted.length > 0) {
        for (const entry of group.entries) for (const pair of labels.demoted) entry.appendMetadata(pair);
      }
      const existing = admitted.get(labels.labelString);
      if (existing === undefined) admitted.set(labels.labelString, { labels, entries: group.entries });
      else for (const entry of group.entries) existing.entries.push(entry);
    }
    return admitted;
  }

  private _batch(tenantKey: string, streams: Map<string, StreamGroup>): TenantBatch {
    const keys = [...streams.keys()].sort();
    const out: PushStream[] = [];
    let entries = 0;
    let nudged = 0;
    for (const key of keys) {
      const group = streams.get(key) as StreamGroup;
      sortEntries(group.entries);
      if (this._deduplicator !== undefined)
        nudged += this._deduplicator.nudge(`${tenantKey}\u0000${key}`, group.entries);
      out.push({ labels: key, entries: group.entries });
      entries += group.entries.length;
    }
    if (nudged > 0) this._diagnostics.countAndWarnOnce('timestampsNudged', nudged);
    return { tenant: tenantKey === NO_TENANT ? undefined : tenantKey, streams: out, entries };
  }
}
