/**
 * Public types of `@otel-loki/push`. They name no Node type (no `@types/node` needed): the
 * package also runs in Workers and browsers.
 */

/**
 * A node:http or node:https `Agent` (what `new http.Agent()` makes), described by the members
 * the client relies on.
 */
export interface HttpAgentLike {
  maxSockets: number;
  destroy(): void;
}

/** Stream labels: label name to value. Empty values are dropped, as Loki drops them. */
export type Labels = Readonly<Record<string, string>>;

/** Structured metadata of one entry: name to value, stored by Loki beside the line. */
export type StructuredMetadata = Readonly<Record<string, string>>;

/**
 * A timestamp the client accepts: a decimal string of nanoseconds since the Unix epoch, a
 * `bigint` of nanoseconds, a `Date`, an ISO-8601 date-time with an offset, or an ISO-8601
 * local date-time without offset (read in the client's `timezone`). Numbers are refused:
 * a double cannot hold a nanosecond timestamp exactly.
 */
export type TimestampInput = string | bigint | Date;

/** One log entry for {@link LokiLogger}. */
export interface LogEntry {
  /** The log line. */
  message: string;
  /** Stream labels (indexed by Loki); at least one non-empty value. */
  labels: Labels;
  /** Structured metadata (not indexed), string values only. */
  metadata?: StructuredMetadata;
  /** When it happened; defaults to now, in nanoseconds, strictly increasing per process. */
  timestamp?: TimestampInput;
}

/** A name/value pair of structured metadata, in wire order. */
export interface MetadataPair {
  name: string;
  value: string;
}

/** One entry as it goes on the wire. */
export interface PushEntry {
  /** Nanoseconds since the Unix epoch. */
  timestampNanos: bigint;
  line: string;
  metadata?: readonly MetadataPair[];
  /**
   * The entry's protobuf `EntryAdapter` message (without its own tag and length), when its
   * producer already encoded it (`@otel-loki/exporter` does, with `EntryEncoder`): the
   * protobuf writer and the request splitter then use these bytes as they are, so they must
   * encode exactly `timestampNanos`, `line` and `metadata`. The JSON format ignores them.
   */
  readonly encoded?: Uint8Array;
}

/** One stream as it goes on the wire: a canonical label string and its entries. */
export interface PushStream {
  /** Label string in Loki's syntax, e.g. `{job="api", level="info"}`. */
  labels: string;
  entries: readonly PushEntry[];
}

/** Wire format of a push. */
export type PushFormat = 'protobuf' | 'json';

/** Extra request headers, or a function that produces them for every request (rotating tokens). */
export type HeadersOption =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/** Client-side copies of Loki's per-tenant limits, checked before anything is sent. */
export interface LokiLimits {
  /** `max_line_size` in bytes (UTF-8). @default 262144 */
  maxLineSize?: number;
  /** `max_label_names_per_series`, not counting `service_name`. @default 15 */
  maxLabelNamesPerSeries?: number;
  /** `max_label_name_length` in characters. @default 1024 */
  maxLabelNameLength?: number;
  /** `max_label_value_length` in characters. @default 2048 */
  maxLabelValueLength?: number;
  /** `max_structured_metadata_size`: sum of name and value bytes per entry. @default 65536 */
  maxStructuredMetadataSize?: number;
  /** `max_structured_metadata_entries_count` per entry. @default 128 */
  maxStructuredMetadataEntries?: number;
  /** `reject_old_samples_max_age` in ms; `Infinity` turns the check off. @default 604800000 (7 days) */
  rejectOldSamplesMaxAgeMillis?: number;
  /** `creation_grace_period` in ms; `Infinity` turns the check off. @default 600000 (10 minutes) */
  creationGracePeriodMillis?: number;
}

/** Options of {@link LokiPushClient} and {@link LokiLogger}. */
export interface LokiClientOptions {
  /**
   * Loki's base URL (`http://localhost:3100`), a gateway URL with a path prefix
   * (`https://gw/loki-eu`), or a full push URL ending in `/loki/api/v1/push` or
   * `/api/prom/push`, used as is. Credentials in the URL are sent as basic auth.
   */
  url: string;
  /** Tenant sent as `X-Scope-OrgID`. @default none (single-tenant Loki) */
  tenantId?: string;
  /** IANA time zone in which ISO local date-times without offset are read. @default 'UTC' */
  timezone?: string;
  /** Wire format. @default 'protobuf' (snappy-compressed) */
  format?: PushFormat;
  /** HTTP basic auth. Exclusive with `bearerToken`. */
  basicAuth?: { username: string; password: string };
  /** Sent as `Authorization: Bearer <token>`. Exclusive with `basicAuth`. */
  bearerToken?: string;
  /** Extra headers, or a function returning them (called before every request). */
  headers?: HeadersOption;
  /** PEM CA certificate(s) to trust for https (a string, or bytes such as a `Buffer`). */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** PEM client certificate for mutual TLS. */
  cert?: string | Uint8Array;
  /** PEM client key for mutual TLS. */
  key?: string | Uint8Array;
  /**
   * **Insecure.** `true` turns off verification of Loki's TLS certificate (any certificate,
   * any host name is accepted), e.g. for a test Loki with a self-signed certificate. Prefer
   * `ca`. The client itself prints nothing (it has no logger): `config.insecureSkipVerify` says
   * it is on, and `@otel-loki/exporter` warns through `diag`. Ignored with a custom `agent`.
   * @default false (certificates are verified against the system CAs, or `ca`)
   */
  insecureSkipVerify?: boolean;
  /**
   * A custom `http.Agent`/`https.Agent` (custom TLS, connection pooling). Replaces the
   * keep-alive default, and no proxy applies to it: neither the environment's (ignored) nor
   * the `proxy` option (an error). `ca`, `cert`, `key` and `insecureSkipVerify` are ignored.
   */
  agent?: HttpAgentLike;
  /**
   * The HTTP proxy to reach Loki through: `'http://proxy:3128'` (or `https:` for TLS to the
   * proxy, verified against the system CAs), with optional credentials
   * (`http://user:password@proxy:3128`, sent as `Proxy-Authorization: Basic`, never printed).
   * An http Loki URL is forwarded through it, an https one tunnelled with `CONNECT` (`ca`,
   * `cert`, `key` and `insecureSkipVerify` then apply to Loki, not to the proxy). `false`
   * ignores the environment. Not combinable with `agent`.
   * @default from the environment when the client is created, as Node's `NODE_USE_ENV_PROXY`
   * reads it: `https_proxy` / `HTTPS_PROXY` for an https Loki, `http_proxy` / `HTTP_PROXY` for
   * an http one (lower case first), unless `no_proxy` / `NO_PROXY` lists Loki's host.
   */
  proxy?: string | false;
  /** Time limit of one HTTP request, in ms. @default 10000 */
  timeoutMillis?: number;
  /** Overall deadline of one send, retries and backoff included, in ms. @default 25000 */
  retryDeadlineMillis?: number;
  /** First backoff delay in ms; doubles per attempt, with jitter. @default 500 */
  initialBackoffMillis?: number;
  /** Upper bound of one backoff delay in ms. @default 5000 */
  maxBackoffMillis?: number;
  /** Uncompressed size bound of one request in bytes; larger sends are split. @default 1048576 */
  maxRequestBytes?: number;
  /** Client-side checks of Loki's limits; set a field to `Infinity` to turn it off. */
  limits?: LokiLimits;
}

/** Options of {@link LokiLogger.sendBatch}. */
export interface SendBatchOptions {
  /**
   * `true`: entries with equal labels (in any order) share one stream, sorted by timestamp.
   * `false`: one stream per entry, in the given order.
   * @default true
   */
  groupByLabels?: boolean;
}

/** What a successful send did. */
export interface PushResult {
  /** HTTP status of the last request (200 or 204). */
  status: number;
  /** How many HTTP requests succeeded (more than one when the send was split). */
  requests: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  /** Entries delivered. */
  entries: number;
  /** Streams delivered. */
  streams: number;
  /** Bytes of the request bodies before compression. */
  bytes: number;
  /** Bytes of the request bodies as sent. */
  wireBytes: number;
}

/** What a successful `LokiLogger.sendLog` / `sendBatch` did: the push, and what the logger changed on the way. */
export interface LoggerResult extends PushResult {
  /** Label values in which U+FFFD or lone surrogates were replaced (with `?`) before sending. */
  labelValuesReplaced: number;
}
