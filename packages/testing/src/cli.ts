#!/usr/bin/env node
/**
 * `otel-loki-test-server`: runs a Loki-compatible server until SIGINT or SIGTERM.
 *
 *   otel-loki-test-server [--port 3100] [--host 127.0.0.1] [--auth] [--max-line-size BYTES] [--cors ORIGINS]
 */
import { LokiTestServer } from './loki-test-server';
import type { LokiTestServerOptions } from './types';

const USAGE = `Usage: otel-loki-test-server [options]

Runs a Loki-compatible HTTP server until stopped: push, LogQL queries, labels, series,
index stats and volume, detected labels and fields. Point a Grafana Loki data source at its
URL (with --auth, send the tenant as the X-Scope-OrgID header).

Options:
  --port <n>             TCP port (default 3100; 0 picks a free one)
  --host <addr>          interface to listen on (default 127.0.0.1)
  --auth                 require X-Scope-OrgID, as Loki with auth_enabled: true
  --max-line-size <n>    max_line_size in bytes (default 262144; 0 turns it off)
  --loki-3.4             behave like Loki 3.4 where versions differ (duplicate check, detected_level)
  --cors <origins>       let browser pages of these origins push and query: comma-separated
                         (http://localhost:5173,https://app.example), or * for any
  --help                 show this text`;

/** Parses command-line arguments into server options. @throws {Error} on a bad argument. */
export function parseArgs(argv: readonly string[]): LokiTestServerOptions | 'help' {
  const options: LokiTestServerOptions = { port: 3100 };
  const limits: NonNullable<LokiTestServerOptions['limits']> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = (): number => {
      const raw = value();
      if (!/^\d+$/.test(raw)) throw new Error(`${arg}: expected a non-negative integer, got ${raw}`);
      return Number(raw);
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--port') options.port = number();
    else if (arg === '--host') options.host = value();
    else if (arg === '--auth') options.authEnabled = true;
    else if (arg === '--max-line-size') limits.maxLineSize = number();
    else if (arg === '--loki-3.4') options.lokiVersion = '3.4';
    else if (arg === '--cors') {
      const origins = value();
      options.cors = { origins: origins === '*' ? '*' : origins.split(',').map((origin) => origin.trim()) };
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { ...options, limits };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`otel-loki-test-server: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const server = await LokiTestServer.start(options);
  console.log(`Loki test server listening on ${server.url} (push: ${server.pushUrl})`);
  const stop = (signal: string): void => {
    console.log(`${signal} received, stopping`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      }
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
