// @otel-loki/push/internal: what @otel-loki/exporter and @otel-loki/testing share with this
// package. NOT a public API: no semver promise, any release may change or remove a name.
// Applications use the main entry.
export {
  ENTRY_ENCODED_SIZE,
  ENTRY_ENCODING,
  EntryEncoder,
  encodeMetadataPairs,
  encodeNameField,
  rewriteTimestamp,
  toProtoTimestamp,
  varintSize,
} from './wire/entry-encoder';
export type { EncodedPushEntry, EncoderChunk } from './wire/entry-encoder';
export { readEntryMetadata } from './wire/push-request-reader';
export { goQuote, goQuoteRune, goRuneVerb, unquote, hasInvalidUnicode } from './wire/go-quote';
export { snappyImplementation, useSnappyImplementation } from './wire/snappy';
export type { SnappyImplementation } from './wire/snappy';
export { compressBlock } from './wire/snappy-compressor';
export { tenantIdProblem, MAX_TENANT_ID_LENGTH } from './loki/tenant';
export { validateTimezone } from './loki/timestamp';
export { LOKI_DISCOVER_SERVICE_NAME } from './loki/loki-defaults';
export { STATUS_INGESTION_BLOCKED } from './transport/retry-policy';
export { MAX_ERROR_BODY_CHARS } from './client/errors';
export {
  resolveClientConfig,
  resolvePushUrl,
  validateHeaders,
  DEFAULT_TIMEOUT_MILLIS,
  DEFAULT_RETRY_DEADLINE_MILLIS,
  DEFAULT_INITIAL_BACKOFF_MILLIS,
  DEFAULT_MAX_BACKOFF_MILLIS,
  DEFAULT_MAX_REQUEST_BYTES,
} from './client/configuration';
export type { ResolvedClientConfig, ResolvedLimits } from './internal-types';
export { backoffMillis } from './transport/retry-policy';
export { base64, utf8Length } from './wire/utf8';
/** The transport seam of `LokiPushClient` (its second constructor argument), for the siblings' tests. */
export type { PushTransport, TransportRequest, TransportResponse } from './transport/transport-types';
export type { LokiPushClientInternals } from './client/push-client';
