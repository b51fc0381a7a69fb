/**
 * The client's TLS settings as Node's TLS options. The public types say `Uint8Array` (so that
 * they need no `@types/node`); node:tls takes any `Uint8Array` where its own types say `Buffer`.
 */
import type { SecureContextOptions } from 'node:tls';
import type { TlsSettings } from '../internal-types';

/** What node:tls and node:https agents take of {@link TlsSettings}. */
export type NodeTlsOptions = Pick<SecureContextOptions, 'ca' | 'cert' | 'key'> & { rejectUnauthorized?: boolean };

/** `settings`, typed for node:tls. */
export function nodeTls(settings: TlsSettings | undefined): NodeTlsOptions {
  return (settings ?? {}) as NodeTlsOptions;
}
