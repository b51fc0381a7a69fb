/** Public types of `@otel-loki/exporter`. */
import type { HeadersOption, LokiClientOptions, LokiLimits } from '@otel-loki/push';

/** Where an attribute comes from: the resource, the log record, or the instrumentation scope. */
export type AttributeSource = 'resource' | 'log' | 'scope';

/**
 * What to do with a matching attribute: make it an index `label`, keep it as structured
 * `metadata` on every entry, or `drop` it. The same model as Loki's per-tenant `otlp_config`
 * (`index_label`, `structured_metadata`, `drop`).
 */
export type AttributeAction = 'label' | 'metadata' | 'drop';

/**
 * One attribute rule. Rules are tried in order and the first match wins; an attribute no
 * rule matches follows the defaults (Loki's default resource labels, else metadata).
 * Names are matched before sanitizing (`k8s.pod.name`, not `k8s_pod_name`); a RegExp must
 * match the whole name to match, as in Loki.
 */
export interface AttributeRule {
  /** Which attributes the rule applies to. @default all three sources */
  source?: AttributeSource | readonly AttributeSource[];
  /** Attribute names (exact), or a RegExp matched against the whole name. */
  match: string | readonly string[] | RegExp;
  /** What to do with a matching attribute. */
  action: AttributeAction;
}

/** The disk spool (`LokiExporterOptions.spool`). */
export interface LokiSpoolOptions {
  /**
   * The spool directory, created with mode 0700 when missing; refused (the exporter falls back
   * to memory with one warning) when it is a symlink, another user's, or world-writable.
   * Processes of one host may share it; a directory shared across hosts (NFS) is not supported.
   */
  directory: string;
  /**
   * Bound on the directory's size; at the bound the oldest requests are dropped and counted
   * (`stats.droppedSpoolFull`, `reason="spool_full"`).
   * @default process.env.OTEL_EXPORTER_LOKI_SPOOL_MAX_BYTES ?? 1073741824 (1 GiB)
   */
  maxBytes?: number;
  /**
   * `interval`: data is written to the OS at once (it survives a crash or kill -9) and fsynced
   * within `fsyncIntervalMillis` (a power loss loses at most that); `always`: fsynced before
   * the export answers; `never`: the OS decides.
   * @default process.env.OTEL_EXPORTER_LOKI_SPOOL_FSYNC ?? 'interval'
   */
  fsync?: 'interval' | 'always' | 'never';
  /** @default 1000 */
  fsyncIntervalMillis?: number;
}

/** How a log record becomes a Loki line. */
export type LineFormat = 'raw' | 'json' | 'logfmt';

/** Counters of what the exporter rewrote or dropped so that Loki would accept the data. */
export interface LokiExporterStats {
  /** Records received by `export()`. */
  records: number;
  /** Entries delivered to Loki (acknowledged with 200/204). */
  entries: number;
  /**
   * Exports answered SUCCESS (delivered, or safely held in the retry buffer) / FAILED
   * (refused by Loki, or, without a retry buffer, not delivered within the retry deadline).
   */
  exportsSucceeded: number;
  exportsFailed: number;
  /** Pushes that failed in a way worth retrying (429, 5xx, network, timeout); their data was kept. */
  pushRetries: number;
  /** Entries Loki refused for good (400, 401, 413, 260...): dropped, reported through `diag.error`. */
  entriesRefused: number;
  /** Entries dropped, oldest first, because the retry buffer was full (`retryBufferBytes`). */
  droppedBufferFull: number;
  /** Buffered entries dropped because they had become too old for Loki (`rejectOldSamplesMaxAgeMillis`). */
  droppedTooOld: number;
  /** Entries still undelivered when `shutdown()` gave up after `shutdownTimeoutMillis`. */
  droppedAtShutdown: number;
  /** Entries not delivered by the synchronous flush at process exit within `exitTimeoutMillis`. */
  droppedAtExit: number;
  /** Entries held now by the retry buffer, waiting or in flight (a gauge, not a counter). */
  retryBufferEntries: number;
  /** Estimated bytes held now by the retry buffer (a gauge). */
  retryBufferBytes: number;
  /** With a disk spool: bytes of this process's spool files (a gauge; 0 without a spool). */
  spoolBytes: number;
  /** With a disk spool: this process's spool files (a gauge). */
  spoolFiles: number;
  /** With a disk spool: entries stored and not yet accepted by Loki (a gauge). */
  spoolEntries: number;
  /** With a disk spool: age of the oldest request not yet accepted by Loki, in ms (a gauge). */
  spoolOldestAgeMillis: number;
  /** With a disk spool: entries dropped, oldest first, because the spool reached `spool.maxBytes`. */
  droppedSpoolFull: number;
  /** With a disk spool: damaged or torn regions of spool files that were skipped (their requests are lost). */
  spoolCorruptSkipped: number;
  /** Timestamps moved by 1 ns or more so that no two entries of a stream share one. */
  timestampsNudged: number;
  /** Timestamps outside Loki's window replaced (original kept in metadata). */
  timestampsReplaced: number;
  /** Records dropped because of their timestamp (`invalidTimestamp: 'drop'`). */
  timestampsDropped: number;
  /** Lines longer than `maxLineSize` truncated / dropped. */
  linesTruncated: number;
  linesDropped: number;
  /** Label candidates beyond `maxLabelNamesPerSeries`, or over the stream cap, moved to metadata. */
  labelsDemoted: number;
  /** Label values longer than `maxLabelValueLength` truncated. */
  labelValuesTruncated: number;
  /** Label or metadata values in which U+FFFD or lone surrogates were replaced. */
  invalidUnicodeReplaced: number;
  /** Metadata pairs dropped or truncated to fit Loki's count and size limits. */
  metadataTrimmed: number;
  /** Attributes whose sanitized name collided with another one and lost. */
  nameCollisions: number;
  /** Attributes dropped because their name cannot become a Loki name (e.g. `___`). */
  invalidNamesDropped: number;
  /** Tenant attribute values that are not valid tenant IDs (the default tenant was used). */
  invalidTenants: number;
}

/** Options of {@link LokiLogRecordExporter}; every field is optional. */
export interface LokiExporterOptions extends Pick<
  LokiClientOptions,
  'basicAuth' | 'bearerToken' | 'ca' | 'cert' | 'key' | 'agent' | 'proxy' | 'format'
> {
  /**
   * Loki's base URL, a gateway URL with a path prefix, or a full push URL.
   * @default process.env.OTEL_EXPORTER_LOKI_ENDPOINT ?? 'http://localhost:3100'
   */
  url?: string;
  /**
   * Tenant sent as `X-Scope-OrgID`; also the fallback when {@link tenantAttribute} is set and
   * a record has no valid tenant attribute.
   * @default process.env.OTEL_EXPORTER_LOKI_TENANT_ID ?? none
   */
  tenantId?: string;
  /**
   * Route records to tenants by this attribute (log record attribute first, then resource
   * attribute). One request per tenant; a failed tenant is retried alone.
   * @default none (every record goes to `tenantId`)
   */
  tenantAttribute?: string;
  /**
   * Extra request headers, or a function returning them.
   * @default parsed from process.env.OTEL_EXPORTER_LOKI_HEADERS (`k=v,k2=v2`)
   */
  headers?: HeadersOption;
  /**
   * **Insecure.** Turns off verification of Loki's TLS certificate (for a test Loki with a
   * self-signed certificate; prefer `ca`). The exporter warns through `diag` when it is on.
   * Ignored with a custom `agent`.
   * @default false
   */
  insecureSkipVerify?: boolean;
  /**
   * Time limit of one HTTP request, in ms.
   * @default process.env.OTEL_EXPORTER_LOKI_TIMEOUT ?? 10000
   */
  timeoutMillis?: number;
  /**
   * Without a retry buffer (`retryBufferBytes: 0`): deadline of one export, retries and
   * backoff included, in ms. Must fit inside the processor's `exportTimeoutMillis`, or the
   * processor gives up on an export still running. With the buffer (default), each push makes
   * one attempt (bounded by `timeoutMillis`) and the buffer retries.
   * @default 25000 (capped to `exportTimeoutMillis` − 1000)
   */
  retryDeadlineMillis?: number;
  /**
   * The `exportTimeoutMillis` of the processor this exporter is used with; only used to
   * check `retryDeadlineMillis` against it.
   * @default process.env.OTEL_BLRP_EXPORT_TIMEOUT ?? 30000
   */
  exportTimeoutMillis?: number;
  /** Uncompressed size bound of one request in bytes; larger exports are split. @default 1048576 */
  maxRequestBytes?: number;
  /**
   * Bound of the retry buffer, in bytes as a push carries them before compression (lines,
   * labels and metadata; the heap a full buffer takes is measured in docs/benchmarks.md ("Memory of a full retry buffer")). While Loki fails with
   * something worth retrying (429, 5xx, network errors, timeouts), exports keep their data
   * here and answer SUCCESS, so that the SDK's processor keeps draining its own small queue
   * instead of dropping records silently; the data is re-sent in order, with backoff, as soon
   * as Loki answers again. When full, the oldest entries are dropped, counted in
   * `stats.droppedBufferFull` and warned about once. The default holds a 60 s outage at
   * 1 000 records/s of 300 bytes with room to spare (about 110 s). `0` turns the buffer off:
   * each export then retries within `retryDeadlineMillis` and answers FAILED after it.
   * @default 33554432 (32 MiB)
   * @see docs/reliability.md
   * @see docs/benchmarks.md
   */
  retryBufferBytes?: number;
  /** Pushes running at once (exports at once, without a retry buffer). @default 2 */
  maxConcurrentExports?: number;
  /**
   * Without a retry buffer only: exports allowed to wait for a slot; beyond it `export()`
   * answers FAILED at once. @default 64
   */
  maxQueuedExports?: number;
  /**
   * How long `shutdown()` keeps trying to deliver what is buffered or in flight, in ms; what
   * is left then is dropped and counted in `stats.droppedAtShutdown`. @default 10000
   */
  shutdownTimeoutMillis?: number;
  /**
   * Longest time the synchronous flush at process exit (`flushSync`, run by the register
   * entry and by `ExitSafeLogRecordProcessor` on an uncaught exception, an unhandled rejection or
   * `process.exit()`) blocks the dying process, in ms; what is not delivered by then is counted
   * in `stats.droppedAtExit`.
   * @default process.env.OTEL_EXPORTER_LOKI_EXIT_TIMEOUT ?? 2000
   */
  exitTimeoutMillis?: number;
  /**
   * A disk spool (opt-in): every request is written to `directory` before it is sent and
   * leaves it when Loki accepted it, so that a crash, a kill -9, a restart or a long outage
   * loses nothing (within the fsync policy; see the README's durability table). `false` turns
   * it off even when `OTEL_EXPORTER_LOKI_SPOOL_DIR` is set. With a spool, `export()` answers
   * SUCCESS once its data is on disk.
   * @default process.env.OTEL_EXPORTER_LOKI_SPOOL_DIR ? { directory: it } : undefined
   */
  spool?: LokiSpoolOptions | false;
  /** Attribute rules, tried in order before the defaults; first match wins. @default [] */
  attributeRules?: readonly AttributeRule[];
  /**
   * Resource attributes that become index labels when no rule matches them.
   * @default Loki's default list ({@link LOKI_DEFAULT_LABEL_ATTRIBUTES})
   */
  defaultLabelAttributes?: readonly string[];
  /**
   * Shortcut: these resource attributes become metadata although Loki's defaults make them
   * labels, e.g. {@link HIGH_CARDINALITY_LABEL_ATTRIBUTES} (`k8s.pod.name`, `service.instance.id`).
   * @default []
   */
  demoteToMetadata?: readonly string[];
  /** Shortcut: `severity_text` also becomes an index label (Loki's `severity_text_as_label`). @default false */
  severityTextAsLabel?: boolean;
  /**
   * Label names tried, in resource attribute order, for `service_name` when `service.name` is
   * missing; `false` turns discovery off. @default Loki's `discover_service_name` list
   */
  discoverServiceName?: readonly string[] | false;
  /** `raw`: the body as Loki's OTLP endpoint writes it; `json`/`logfmt`: the Collector `lokiexporter` formats. @default 'raw' */
  lineFormat?: LineFormat;
  /** Also put the Collector `lokiexporter`'s `job` (`namespace/name`) and `instance` labels. @default false */
  legacyLabels?: boolean;
  /**
   * A record whose timestamp Loki would refuse (older than `rejectOldSamplesMaxAgeMillis`, or
   * more than `creationGracePeriodMillis` ahead): `replace` sends it at its observed time (or
   * now) with the original in metadata `original_timestamp`; `drop` drops and counts it.
   * @default 'replace'
   */
  invalidTimestamp?: 'replace' | 'drop';
  /** A line longer than `limits.maxLineSize`: `truncate` (with a marker) or `drop`. @default 'truncate' */
  oversizedLine?: 'truncate' | 'drop';
  /** Make timestamps unique per stream by nudging colliding ones by 1 ns. @default true */
  uniqueTimestamps?: boolean;
  /**
   * Cap on distinct streams per tenant seen within the last hour; a new stream beyond it has
   * its highest-cardinality label demoted to metadata (with a warning). @default 1000
   */
  maxStreams?: number;
  /** Client-side copies of Loki's limits; set a field to `Infinity` to turn its check off. */
  limits?: LokiLimits;
}
