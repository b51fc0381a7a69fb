/**
 * The push client's runtime parts where requests go through `fetch` (Cloudflare Workers with
 * or without `nodejs_compat`, browsers, Vercel edge and other edge runtimes): the `fetch`
 * transport; no synchronous send (no worker threads to block on), no proxy (the runtime
 * routes requests), no TLS options (the runtime verifies certificates). Options that cannot
 * apply are refused by name when the client is created, before any I/O. The twin of
 * `../node/runtime`, selected by the `workerd`, `worker`, `browser` and `edge-light`
 * conditions of the package's `imports` field.
 */
import type { ResolvedClientConfig } from '../../internal-types';
import { FetchTransport } from '../../transport/fetch-transport';
import type { ProxyEnv, ResolvedProxy } from '../../transport/proxy-settings';
import type { SyncOutcome, SyncRequest } from '../../transport/sync-transport';
import type { PushTransport } from '../../transport/transport-types';

/** Said of every option or call that needs Node. */
const WHERE = 'this runtime sends with fetch (Workers, browsers, edge runtimes)';

/** The runtime named in the `User-Agent` header (browsers leave theirs). */
export const RUNTIME_NAME = 'fetch';

/** No process environment is read here. */
export function runtimeEnv(): ProxyEnv {
  return {};
}

/**
 * The `proxy` option: only `false` (or nothing) fits here; the environment is not read.
 *
 * @throws {TypeError} for a proxy URL.
 */
export function resolveProxy(option: unknown, _target: URL, _env?: ProxyEnv): ResolvedProxy | undefined {
  if (option === undefined || option === false) return undefined;
  throw new TypeError(`proxy: not supported where ${WHERE}: the runtime chooses the route; remove the option`);
}

/** Sending synchronously needs worker threads. */
export function sendSync(_requests: readonly SyncRequest[], _timeoutMillis: number): SyncOutcome[] {
  throw new Error(`pushSync() is not supported where ${WHERE}: it blocks on a worker thread; use push()`);
}

/**
 * The `fetch` transport, after refusing the options only node:http can honour.
 *
 * @throws {TypeError} naming `agent`, `ca`, `cert`, `key` or `insecureSkipVerify` when set.
 */
export function createTransport(config: ResolvedClientConfig): PushTransport {
  const tls = config.tls.reveal();
  const unsupported = [
    config.agent !== undefined ? 'agent' : undefined,
    tls.ca !== undefined ? 'ca' : undefined,
    tls.cert !== undefined ? 'cert' : undefined,
    tls.key !== undefined ? 'key' : undefined,
    config.insecureSkipVerify ? 'insecureSkipVerify' : undefined,
  ].filter((name) => name !== undefined);
  if (unsupported.length > 0) {
    throw new TypeError(
      `${unsupported.join(', ')}: not supported where ${WHERE}: the runtime makes the connections and verifies certificates`
    );
  }
  return new FetchTransport();
}
