/**
 * `NO_PROXY` matching, as Node's own `NODE_USE_ENV_PROXY` support reads the list
 * (`lib/internal/http.js`): comma-separated, trimmed, case-insensitive entries; `*` bypasses
 * every host; a plain entry matches that exact host; `host:port` that host on that port;
 * `.example.com` and `*.example.com` match subdomains; `a.b.c.d-e.f.g.h` an IPv4 range.
 *
 * Two deliberate differences, both on the side of fewer surprises: `.example.com` matches
 * `example.com` and its subdomains but not `badexample.com` (Node compares the bare suffix,
 * curl, whose rule Node means to follow, stops at a dot), and `host:port` compares the
 * effective port (`loki:443` matches `https://loki/`; Node only sees explicit ports). IPv6
 * literals may be written bare (`::1`) or in brackets (`[::1]`, `[::1]:3100`).
 */
import { isIPv4 } from 'node:net';

/** One parsed `NO_PROXY` entry. */
interface NoProxyEntry {
  /** Lower-case host (IPv6 without brackets), suffix (starting with `.`), or `*`. */
  host: string;
  /** Only this port, when the entry names one. */
  port?: number;
  /** The entry matches subdomains (`.example.com`, `*.example.com`). */
  suffix: boolean;
  /** Also the domain itself (`.example.com`, as curl reads it). */
  includesDomain: boolean;
  /** An IPv4 range `start-end`, as unsigned integers. */
  range?: [number, number];
}

const HOST_PORT = /^(.*):(\d+)$/;
const BRACKETED = /^\[([^\]]+)\](?::(\d+))?$/;

/** Parses a `NO_PROXY` value; empty entries are skipped. */
export function parseNoProxy(value: string | undefined): NoProxyEntry[] {
  if (value === undefined) return [];
  const entries: NoProxyEntry[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry.length === 0) continue;
    entries.push(parseEntry(entry));
  }
  return entries;
}

function parseEntry(entry: string): NoProxyEntry {
  const bracketed = BRACKETED.exec(entry);
  if (bracketed !== null) {
    return { host: bracketed[1], port: portOf(bracketed[2]), suffix: false, includesDomain: false };
  }
  const dash = entry.indexOf('-');
  if (dash > 0) {
    const start = entry.slice(0, dash).trim();
    const end = entry.slice(dash + 1).trim();
    if (isIPv4(start) && isIPv4(end)) {
      return { host: entry, suffix: false, includesDomain: false, range: [ipv4ToInt(start), ipv4ToInt(end)] };
    }
  }
  // A bare IPv6 literal has several colons and no port: `::1`, `fe80::1`.
  const hostPort = entry.split(':').length === 2 ? HOST_PORT.exec(entry) : null;
  const host = hostPort === null ? entry : hostPort[1];
  const port = hostPort === null ? undefined : portOf(hostPort[2]);
  if (host.startsWith('*.')) return { host: host.slice(1), port, suffix: true, includesDomain: false };
  if (host.startsWith('.')) return { host, port, suffix: true, includesDomain: true };
  return { host, port, suffix: false, includesDomain: false };
}

function portOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
}

/**
 * Whether a request to `hostname` (as in `URL.hostname`, IPv6 in brackets or not) on the
 * effective `port` goes direct because `NO_PROXY` lists it.
 */
export function bypassesProxy(entries: readonly NoProxyEntry[], hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return entries.some((entry) => {
    if (entry.host === '*') return true;
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.range !== undefined) {
      if (!isIPv4(host)) return false;
      const value = ipv4ToInt(host);
      return value >= entry.range[0] && value <= entry.range[1];
    }
    if (entry.suffix) return host.endsWith(entry.host) || (entry.includesDomain && host === entry.host.slice(1));
    return host === entry.host;
  });
}
