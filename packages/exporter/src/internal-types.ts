/** Types shared inside the package; never exported. */
import type {
  EncodedPushRequest,
  MetadataPair,
  PushOptions,
  PushResult,
  PushStream,
  PushSyncOptions,
} from '@otel-loki/push';
import type { LokiEntry } from './mapping/loki-entry';

/**
 * A label or metadata pair with its precedence when sanitized names collide (see
 * `attribute-flattening.ts`; absent means an attribute whose name needed no rewriting).
 */
export interface NamedValue extends MetadataPair {
  rank?: number;
  /** The pair's protobuf encoding, for pairs shared by many entries (never mutated once set). */
  encoded?: Uint8Array;
  /** The protobuf name field of the pair (`encodeNameField(name)`), when the name repeats. */
  nameField?: Uint8Array;
}

/** Every limit of `LokiLimits`, resolved to a number (push's own type). */
export type { ResolvedLimits } from '@otel-loki/push/internal';

/** A stream's final label set: the canonical string, its pairs, and label candidates demoted to metadata. */
export interface StreamLabels {
  /** Canonical label string, the grouping key. */
  readonly labelString: string;
  /** The labels in that string (sanitized names, non-empty values). */
  readonly pairs: readonly MetadataPair[];
  /** Label candidates that became metadata (limits, stream cap); appended to each entry. */
  readonly demoted: readonly MetadataPair[];
}

/** One record after mapping: where it goes and what is sent. */
export interface MappedRecord {
  tenant: string | undefined;
  stream: StreamLabels;
  entry: LokiEntry;
}

/** Options of one push: push's own. */
export type { PushOptions };

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The slice of `LokiPushClient` the exporter uses; tests swap it. */
export interface PushClient {
  push(streams: readonly PushStream[], options?: PushOptions): Promise<PushResult>;
  /** A bounded synchronous push, for the flush at process exit; absent on clients without one. */
  pushSync?(streams: readonly PushStream[], options?: PushSyncOptions): PushResult;
  /** Splits and encodes without sending (the disk spool stores the result); absent on clients without one. */
  encode?(streams: readonly PushStream[]): EncodedPushRequest[];
  /** Sends one request made by `encode`, as it is. */
  pushEncoded?(request: EncodedPushRequest, options?: PushOptions): Promise<PushResult>;
  close(): Promise<void>;
}
