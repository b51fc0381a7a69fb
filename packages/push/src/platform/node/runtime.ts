/**
 * The push client's runtime parts on Node (and Bun, Deno): on Node, the socket transport
 * (HTTP/1.1 over node:net/node:tls); with a custom agent, a proxy, or on Bun and Deno (whose
 * node:net is an emulation), the node:http(s) transport with keep-alive and proxies; the synchronous send from a worker thread, and the proxy settings
 * from the `proxy` option and the environment. The package's `imports` field maps
 * `#platform/runtime` here by default and to `../web/runtime` under the web conditions.
 */
import type { Agent } from 'node:http';
import type { ResolvedClientConfig } from '../../internal-types';
import { HttpTransport } from '../../transport/http-transport';
import { SocketTransport } from '../../transport/socket-transport';
import type { ProxyEnv } from '../../transport/proxy-settings';
import type { PushTransport } from '../../transport/transport-types';

export { resolveProxy } from '../../transport/proxy-settings';
export { sendSync } from '../../transport/sync-transport';

/** The runtime named in the `User-Agent` header. */
export const RUNTIME_NAME = `node ${process.version}`;

/** The process environment (proxy variables). */
export function runtimeEnv(): ProxyEnv {
  return process.env;
}

/** The transport of a client without one of its own. */
export function createTransport(config: ResolvedClientConfig): PushTransport {
  if (config.agent === undefined && config.proxy === undefined && isNode()) {
    return new SocketTransport({ tls: config.tls.reveal() });
  }
  // The option's type is structural (no @types/node for users); what it holds is an Agent.
  const agent = config.agent as Agent | undefined;
  return new HttpTransport({ agent, tls: config.tls.reveal(), proxy: config.proxy });
}

/** Node itself, not Bun or Deno running this build. */
function isNode(): boolean {
  const versions = process.versions as Record<string, string | undefined>;
  return versions.bun === undefined && versions.deno === undefined && !('Deno' in globalThis);
}
