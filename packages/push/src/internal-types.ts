/** Types shared inside `@otel-loki/push`; not exported. */
import type { ResolvedProxy } from './transport/proxy-settings';
import type { Secret } from './transport/secret';
import type { HeadersOption, HttpAgentLike, LokiClientOptions, PushFormat } from './types';

/** TLS material of the own https agent; `rejectUnauthorized: false` only for `insecureSkipVerify`. */
export type TlsSettings = Pick<LokiClientOptions, 'ca' | 'cert' | 'key'> & { rejectUnauthorized?: boolean };

/** Loki limits with every field present. */
export interface ResolvedLimits {
  maxLineSize: number;
  maxLabelNamesPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxStructuredMetadataSize: number;
  maxStructuredMetadataEntries: number;
  rejectOldSamplesMaxAgeMillis: number;
  creationGracePeriodMillis: number;
}

/** Client options after validation and defaults. */
export interface ResolvedClientConfig {
  /** Full push URL, credentials removed. */
  pushUrl: URL;
  tenantId?: string;
  timezone: string;
  format: PushFormat;
  /** Static headers, `Authorization` included when configured; redacted when printed. */
  staticHeaders: Secret<Record<string, string>>;
  dynamicHeaders?: Extract<HeadersOption, (...args: never[]) => unknown>;
  agent?: HttpAgentLike;
  /**
   * The proxy requests go through (from the `proxy` option or the environment), its
   * credentials redacted; `undefined`: direct (no proxy, `proxy: false`, `NO_PROXY`, or `agent`).
   */
  proxy?: ResolvedProxy;
  /** TLS material; redacted when printed (it holds a private key). */
  tls: Secret<TlsSettings>;
  /** Certificate verification is off (`insecureSkipVerify: true`). */
  insecureSkipVerify: boolean;
  timeoutMillis: number;
  retryDeadlineMillis: number;
  initialBackoffMillis: number;
  maxBackoffMillis: number;
  maxRequestBytes: number;
  limits: ResolvedLimits;
}
