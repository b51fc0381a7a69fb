/** Public types of `@otel-loki/testing`. */
import type { PushStream } from '@otel-loki/push';

/**
 * Per-tenant limits, named after Loki's `limits_config` and defaulting to Loki 3.x's values.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/limits.go
 */
export interface LokiServerLimits {
  /** `max_line_size` in bytes (UTF-8); `0` turns the check off. @default 262144 */
  maxLineSize?: number;
  /** `max_line_size_truncate`: truncate long lines instead of refusing them. @default false */
  maxLineSizeTruncate?: boolean;
  /** `max_label_names_per_series`, not counting `service_name`. @default 15 */
  maxLabelNamesPerSeries?: number;
  /** `max_label_name_length` in bytes. @default 1024 */
  maxLabelNameLength?: number;
  /** `max_label_value_length` in bytes. @default 2048 */
  maxLabelValueLength?: number;
  /** `reject_old_samples`. @default true */
  rejectOldSamples?: boolean;
  /** `reject_old_samples_max_age` in milliseconds. @default 604800000 (7 days) */
  rejectOldSamplesMaxAgeMillis?: number;
  /** `creation_grace_period` in milliseconds (how far in the future an entry may be). @default 600000 */
  creationGracePeriodMillis?: number;
  /** `allow_structured_metadata`. @default true */
  allowStructuredMetadata?: boolean;
  /** `max_structured_metadata_size`: bytes of names plus values per entry; `0` turns it off. @default 65536 */
  maxStructuredMetadataSize?: number;
  /** `max_structured_metadata_entries_count` per entry; `0` turns it off. @default 128 */
  maxStructuredMetadataEntriesCount?: number;
  /**
   * `discover_service_name`: labels whose value becomes `service_name` when a stream has none;
   * an empty list turns discovery off (a stream without labels is then refused).
   * @default Loki's list: service, app, application, app_name, name, app_kubernetes_io_name,
   * container, container_name, k8s_container_name, component, workload, job, k8s_job_name
   */
  discoverServiceName?: readonly string[];
  /** `discover_log_levels`: add `detected_level` structured metadata. @default true */
  discoverLogLevels?: boolean;
  /**
   * `ingestion_rate_mb` in bytes per second (lines plus structured metadata), per tenant;
   * `Infinity` turns the limit off. Loki's default is 4 MiB/s; this server's is off.
   * @default Infinity
   */
  ingestionRateBytesPerSecond?: number;
  /** `ingestion_burst_size_mb` in bytes; a request larger than this is always refused (429). @default 6291456 */
  ingestionBurstSizeBytes?: number;
  /**
   * `block_ingestion_until`, in milliseconds since the epoch: until then every push of the
   * tenant is dropped and answered with `blockIngestionStatusCode`. `0` turns it off.
   * @default 0
   */
  blockIngestionUntilMillis?: number;
  /** `block_ingestion_status_code`; 200 answers success (204) while dropping the data. @default 260 */
  blockIngestionStatusCode?: number;
  /**
   * `per_stream_rate_limit` in bytes per second; `Infinity` turns it off. Loki's default is
   * 3 MiB/s; this server's is off.
   * @default Infinity
   */
  perStreamRateLimitBytesPerSecond?: number;
  /** `per_stream_rate_limit_burst` in bytes. @default 15728640 */
  perStreamRateLimitBurstBytes?: number;
  /** `max_global_streams_per_user`: active streams per tenant; `Infinity` turns it off. @default 5000 */
  maxStreamsPerTenant?: number;
  /**
   * Half of the ingester's `max_chunk_age`: an entry older than its stream's newest entry by
   * more than this is refused as "too far behind". @default 3600000 (1 hour)
   */
  outOfOrderWindowMillis?: number;
}

/** Options of {@link LokiTestServer.start}. */
export interface LokiTestServerOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; `0` picks a free one. @default 0 */
  port?: number;
  /**
   * Loki's `auth_enabled`: require `X-Scope-OrgID` (401 without it) and store data per tenant.
   * When off, every request belongs to the tenant `fake`, as in Loki.
   * @default false (as in Loki's sample configurations)
   */
  authEnabled?: boolean;
  /** Per-tenant limits; every field defaults to Loki's value. */
  limits?: LokiServerLimits;
  /**
   * Which Loki to behave like where versions differ. `'3.4'` (as Loki 3.4.6): the duplicate
   * check compares only timestamp and line, and `detected_level` keeps a level label's value
   * as it is (`WARN`, `warning`) and finds levels in plain lines by case-sensitive words
   * (`warn:`, `WARNING`, `debug:`, `error`; `[WARN]` is `unknown`). `'latest'` (current
   * Loki): metadata is compared too, levels are normalized, and the first level word bounded
   * by spaces or brackets in any case wins (`[WARN]` is `warn`). Also: the version
   * `status/buildinfo` reports, and `jsonPath` in `detected_fields` (current Loki only).
   * @default 'latest'
   */
  lokiVersion?: '3.4' | 'latest';
  /**
   * Overrides the duplicate check of `lokiVersion`: `true` compares only timestamp and line
   * (Loki 3.4), `false` compares structured metadata too (current Loki).
   * @default lokiVersion === '3.4'
   */
  duplicateCheckIgnoresMetadata?: boolean;
  /** Compressed body size above which a push is refused with 413 (`max_recv_msg_size`). @default 104857600 */
  maxRecvMsgSizeBytes?: number;
  /**
   * Size limit of the internal distributor-to-ingester gRPC message; a push whose validated
   * content is larger is refused with 500 `ResourceExhausted`. @default 4194304
   */
  grpcMaxRecvMsgSizeBytes?: number;
  /** Clock in milliseconds since the epoch, for tests. @default Date.now */
  now?: () => number;
  /** Requests kept in {@link LokiTestServer.requests}; older ones are dropped. @default 10000 */
  maxRecordedRequests?: number;
  /**
   * CORS for browser pages that push or query (Loki has none: a gateway in front of it adds
   * it). Preflights (`OPTIONS`) of the push and query paths are answered for the listed
   * origins, and their answers carry `Access-Control-Allow-Origin` and expose `Retry-After`;
   * other origins get no CORS header, so the browser blocks them.
   * @default undefined (no CORS, as Loki)
   */
  cors?: LokiTestServerCors;
}

/** The `cors` option of {@link LokiTestServerOptions}. */
export interface LokiTestServerCors {
  /** Page origins allowed (`'http://localhost:5173'`), or `'*'` for any. */
  origins: '*' | readonly string[];
  /** Answer `Access-Control-Allow-Credentials: true` (not with `'*'`). @default false */
  credentials?: boolean;
}

/** One stored log entry, as a query would see it. */
export interface StoredEntry {
  /** Tenant the entry belongs to (`fake` when auth is off). */
  tenant: string;
  /** Canonical stream label string, e.g. `{job="api", service_name="api"}`. */
  stream: string;
  /** Stream labels as an object. */
  labels: Record<string, string>;
  /** Nanoseconds since the Unix epoch. */
  timestampNanos: bigint;
  /** The log line. */
  line: string;
  /** Structured metadata as stored (names normalized, `detected_level` added), sorted by name as Loki returns it. */
  metadata: Record<string, string>;
}

/** Filter of {@link LokiTestServer.entries}. */
export interface EntriesFilter {
  /** Only this tenant. @default every tenant */
  tenant?: string;
  /** A LogQL stream selector, optionally with line filters: `{service_name="checkout"} |= "error"`. */
  selector?: string;
}

/** Which endpoint family a request hit. */
export type RequestKind = 'push' | 'query' | 'other';

/** One HTTP request the server received and how it answered. */
export interface ReceivedRequest {
  /** Sequence number, from 1. */
  id: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string parameters. */
  query: Record<string, string>;
  /** Request headers, names in lower case. */
  headers: Record<string, string>;
  kind: RequestKind;
  /** Tenant the request was attributed to, if any. */
  tenant?: string;
  /** Body size in bytes as received (compressed). */
  bodyBytes: number;
  /** Body format of a push: `protobuf`, `json` or `legacy-json` (`/api/prom/push` JSON). */
  format?: 'protobuf' | 'json' | 'legacy-json';
  /** The decoded push body, when it could be decoded. */
  streams?: PushStream[];
  /** Status answered; `undefined` for a reset or hung request. */
  status?: number;
  /** Body answered (Loki answers errors as plain text). */
  responseBody?: string;
  /** Set when the answer came from {@link LokiTestServer.failNext} or {@link LokiTestServer.failWhen}. */
  injected?: FailureSpec;
}

/**
 * A failure to inject. Exactly one of `status`, `reset` or `hang` may be given; with none of
 * them, the request is only delayed by `delayMillis` and then handled normally.
 */
export interface FailureSpec {
  /** Answer this status instead of handling the request. */
  status?: number;
  /** Body of the answer. @default a short text naming the injected failure */
  body?: string;
  /** Send `Retry-After: <seconds>` (Loki itself never does; gateways do). */
  retryAfterSeconds?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Destroy the connection without answering (the client sees ECONNRESET). */
  reset?: boolean;
  /** Never answer; the request stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Wait this long before acting. */
  delayMillis?: number;
}

/** What a request looks like to a {@link LokiTestServer.failWhen} predicate. */
export interface RequestInfo {
  method: string;
  path: string;
  kind: RequestKind;
  headers: Record<string, string>;
  /** Value of `X-Scope-OrgID`, if sent. */
  tenant?: string;
}

/** Options of {@link LokiTestServer.failWhen}. */
export interface FailWhenOptions {
  /** How many matching requests fail; `Infinity` until {@link LokiTestServer.clearFailures}. @default Infinity */
  times?: number;
}

/** Counters of what the server answered. */
export interface LokiTestServerCounters {
  /** Every request received. */
  requests: number;
  /** Push requests received. */
  pushRequests: number;
  /** Answers by status code. */
  byStatus: Record<number, number>;
  /** Entries stored. */
  entriesStored: number;
  /** Entries refused by validation (too old, too long, ...), rate limits or stream limits. */
  entriesRefused: number;
  /** Entries dropped silently as duplicates of stored ones. */
  entriesDeduplicated: number;
  /** Failures injected, by kind. */
  injected: { status: number; reset: number; hang: number; delay: number };
}

/** A time for {@link LokiTestServer.query}: a `Date`, milliseconds since the epoch, or nanoseconds as a `bigint`. */
export type QueryTime = Date | number | bigint;

/** Options of {@link LokiTestServer.query}: an instant query when `time` is set, else a range query. */
export interface QueryOptions {
  /** Tenant (`X-Scope-OrgID`) whose data is queried. @default 'fake' (the tenant when auth is off) */
  tenant?: string;
  /** Evaluation time of an instant query (`/loki/api/v1/query`); setting it makes the query instant. */
  time?: QueryTime;
  /** Start of a range query. @default `end` minus one hour */
  start?: QueryTime;
  /** End of a range query. @default now (the server's clock) */
  end?: QueryTime;
  /** Step of a range metric query, in milliseconds. @default Loki's: `(end - start) / 250`, at least 1 s */
  stepMillis?: number;
  /** Maximum entries of a log query. @default 100 */
  limit?: number;
  /** Order of a log query's entries. @default 'backward' */
  direction?: 'forward' | 'backward';
  /** Answer as with `X-Loki-Response-Encoding-Flags: categorize-labels`. @default false */
  categorizeLabels?: boolean;
}

/** One entry of a log query: timestamp (ns, as a string) and line, plus categorized labels when asked. */
export type QueryStreamValue =
  [string, string] | [string, string, { structuredMetadata?: Record<string, string>; parsed?: Record<string, string> }];

/** The `data` of Loki's answer to a log query. */
export interface StreamsQueryResult {
  resultType: 'streams';
  encodingFlags?: string[];
  result: Array<{ stream: Record<string, string>; values: QueryStreamValue[] }>;
}

/** The `data` of Loki's answer to a range metric query: values are `[seconds, "value"]`. */
export interface MatrixQueryResult {
  resultType: 'matrix';
  result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
}

/** The `data` of Loki's answer to an instant metric query. */
export interface VectorQueryResult {
  resultType: 'vector';
  result: Array<{ metric: Record<string, string>; value: [number, string] }>;
}

/** The `data` of Loki's answer to an instant query of a literal (`1 + 1`). */
export interface ScalarQueryResult {
  resultType: 'scalar';
  result: [number, string];
}

/** The `data` of a `query` or `query_range` answer, as {@link LokiTestServer.query} returns it. */
export type QueryResult = StreamsQueryResult | MatrixQueryResult | VectorQueryResult | ScalarQueryResult;
