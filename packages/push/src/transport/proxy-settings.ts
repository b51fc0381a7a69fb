/**
 * Which proxy a client goes through: the `proxy` option, else the environment read the way
 * Node's own `NODE_USE_ENV_PROXY` support reads it (`lib/internal/http.js`): `https_proxy`
 * then `HTTPS_PROXY` for an https Loki, `http_proxy` then `HTTP_PROXY` for an http one (the
 * lower-case name wins, an empty value counts as unset), and `no_proxy` then `NO_PROXY` for
 * the hosts that go direct. Credentials in the proxy URL become a redacted
 * `Proxy-Authorization: Basic` header and never appear in the printed URL.
 */
import { bypassesProxy, parseNoProxy } from './no-proxy';
import { Secret } from './secret';

/** The proxy a client uses, credentials apart. */
export interface ResolvedProxy {
  /** The proxy's URL without credentials (safe to print). */
  url: URL;
  /** `Basic …` for the `Proxy-Authorization` header, when the URL carried credentials. */
  authorization?: Secret<string>;
  /** Where it came from: `'proxy'` (the option) or the environment variable's name. */
  source: string;
}

/** The environment variables read, in the order they are tried. */
const ENV_NAMES = {
  'http:': ['http_proxy', 'HTTP_PROXY'],
  'https:': ['https_proxy', 'HTTPS_PROXY'],
} as const;
const NO_PROXY_NAMES = ['no_proxy', 'NO_PROXY'] as const;
const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** The environment as far as proxies go. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/**
 * The proxy for requests to `target`: the `proxy` option (a URL, or `false` for none), else
 * the environment unless `NO_PROXY` lists the target. `undefined`: go direct.
 *
 * @throws {TypeError} naming the option or environment variable, never echoing the URL.
 */
export function resolveProxy(option: unknown, target: URL, env: ProxyEnv = process.env): ResolvedProxy | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    if (typeof option !== 'string' || option.length === 0) {
      throw new TypeError(
        `proxy: expected a proxy URL such as 'http://proxy:3128', or false to ignore HTTP(S)_PROXY, got ${
          option === null ? 'null' : typeof option
        }`
      );
    }
    return parseProxyUrl(option, 'proxy');
  }
  const found = firstSet(env, ENV_NAMES[target.protocol as 'http:' | 'https:'] ?? []);
  if (found === undefined) return undefined;
  // Node ignores other schemes (socks5://...) so that other code can handle them; so do we.
  if (!/^https?:\/\//i.test(found.value)) return undefined;
  const noProxy = parseNoProxy(firstSet(env, NO_PROXY_NAMES)?.value);
  const port = target.port === '' ? DEFAULT_PORTS[target.protocol] : Number(target.port);
  if (bypassesProxy(noProxy, target.hostname, port)) return undefined;
  return parseProxyUrl(found.value, found.name);
}

function firstSet(env: ProxyEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Parses and checks a proxy URL; `field` names the option or variable in errors. */
function parseProxyUrl(text: string, field: string): ResolvedProxy {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the URL: it may carry credentials.
    throw new TypeError(`${field}: not a valid absolute URL (expected e.g. http://proxy:3128)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${field}: expected an http: or https: proxy URL, got ${url.protocol}`);
  }
  if (/[\r\n\0]/.test(text)) throw new TypeError(`${field}: the proxy URL must not contain CR, LF or NUL`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw new TypeError(`${field}: a proxy URL has no path or query (expected e.g. http://proxy:3128)`);
  }
  let authorization: Secret<string> | undefined;
  if (url.username !== '' || url.password !== '') {
    let credentials: string;
    try {
      credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    } catch {
      throw new TypeError(`${field}: the credentials in the proxy URL are not valid percent-encoding`);
    }
    authorization = new Secret('Basic ' + Buffer.from(credentials).toString('base64'));
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  return { url, authorization, source: field };
}
