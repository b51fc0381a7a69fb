/**
 * The stream cap. A label promoted from a high-cardinality attribute (a request ID, a user
 * ID) creates a stream per value until Loki answers 429 to every push (the per-tenant
 * stream limit), which never clears by retrying. The cap counts the distinct streams
 * of each tenant seen within the last hour (Loki's streams go idle and are flushed about as
 * fast); a new stream beyond the cap has its label with the most distinct values demoted to
 * structured metadata, for this and every later record, with one warning.
 */
import type { Diagnostics } from './diagnostics';
import type { ResolvedLimits, StreamLabels } from './internal-types';
import { finalizeLabels, SERVICE_NAME_LABEL } from './label-limits';

/** Streams unseen for this long no longer count against the cap. */
export const STREAM_IDLE_MILLIS = 3_600_000;

interface TenantStreams {
  /** Label string → last time seen (ms). */
  readonly streams: Map<string, number>;
  /** Label name → distinct values seen (bounded by the cap + 1). */
  readonly values: Map<string, Set<string>>;
  /** Label names demoted by the cap. */
  readonly capped: Set<string>;
  /** Label string → its label set with capped labels demoted. */
  readonly rewrites: Map<string, StreamLabels>;
}

/** The stream cap: tracks streams per tenant and demotes a label when a tenant has too many. */
export class StreamCap {
  private readonly _tenants = new Map<string, TenantStreams>();

  constructor(
    private readonly _maxStreams: number,
    private readonly _limits: ResolvedLimits,
    private readonly _diagnostics: Diagnostics,
    private readonly _nowMillis: () => number = Date.now
  ) {}

  /**
   * Returns the label set to use for `stream` in `tenant`: the stream itself, or the stream
   * with capped labels demoted (its `demoted` then lists only the newly demoted pairs).
   */
  admit(tenant: string, stream: StreamLabels): StreamLabels {
    const state = this._state(tenant);
    const now = this._nowMillis();
    let current = stream;
    if (state.capped.size > 0 && current.pairs.some((p) => state.capped.has(p.name)))
      current = this._rewrite(state, stream);
    if (touch(state, current, now)) return current;
    if (state.streams.size >= this._maxStreams) this._forgetIdle(state, now);
    if (state.streams.size >= this._maxStreams) {
      const victim = this._highestCardinality(state, current);
      if (victim !== undefined) {
        state.capped.add(victim);
        state.rewrites.clear();
        this._diagnostics.countAndWarnOnce(
          'labelsDemoted',
          1,
          `label ${victim} demoted to structured metadata: more than ${this._maxStreams} streams (maxStreams)`
        );
        current = this._rewrite(state, stream);
        if (touch(state, current, now)) return current;
      }
    }
    // Admitted even beyond the cap once the offending label is demoted: the demotion is what
    // stops the growth; demoting every label would merge unrelated streams.
    state.streams.set(current.labelString, now);
    this._countValues(state, current);
    return current;
  }

  private _state(tenant: string): TenantStreams {
    let state = this._tenants.get(tenant);
    if (state === undefined) {
      state = { streams: new Map(), values: new Map(), capped: new Set(), rewrites: new Map() };
      this._tenants.set(tenant, state);
    }
    return state;
  }

  private _rewrite(state: TenantStreams, stream: StreamLabels): StreamLabels {
    let rewritten = state.rewrites.get(stream.labelString);
    if (rewritten === undefined) {
      rewritten = finalizeLabels(stream.pairs, this._limits, this._diagnostics, state.capped);
      state.rewrites.set(stream.labelString, rewritten);
    }
    return rewritten;
  }

  private _forgetIdle(state: TenantStreams, now: number): void {
    for (const [labels, seen] of state.streams) {
      if (now - seen > STREAM_IDLE_MILLIS) state.streams.delete(labels);
    }
  }

  private _countValues(state: TenantStreams, stream: StreamLabels): void {
    for (const pair of stream.pairs) {
      let values = state.values.get(pair.name);
      if (values === undefined) {
        values = new Set();
        state.values.set(pair.name, values);
      }
      if (values.size <= this._maxStreams) values.add(pair.value);
    }
  }

  private _highestCardinality(state: TenantStreams, stream: StreamLabels): string | undefined {
    let best: string | undefined;
    let bestCount = -1;
    for (const pair of stream.pairs) {
      if (pair.name === SERVICE_NAME_LABEL || state.capped.has(pair.name)) continue;
      const count = state.values.get(pair.name)?.size ?? 0;
      if (count > bestCount) {
        best = pair.name;
        bestCount = count;
      }
    }
    return best;
  }
}

/** True when `stream` is known in `state`; it is then marked as seen at `now`. */
function touch(state: TenantStreams, stream: StreamLabels, now: number): boolean {
  if (!state.streams.has(stream.labelString)) return false;
  state.streams.set(stream.labelString, now);
  return true;
}
