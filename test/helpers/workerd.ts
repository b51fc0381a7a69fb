/**
 * workerd (Cloudflare's Workers runtime, npm `workerd`) running one Worker for a test: a
 * config written for the call, the HTTP socket on a port the kernel picks (reported on the
 * control fd), outbound requests allowed to loopback (workerd's default `internet` service
 * allows public addresses only).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Longest wait for workerd to listen. */
const START_TIMEOUT_MILLIS = 20_000;
/** The compatibility date of the test Workers (within what the installed workerd supports). */
export const COMPATIBILITY_DATE = '2026-06-01';
const WORKERD = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'workerd');

/** A running workerd. */
export interface RunningWorker {
  url: string;
  /** What workerd wrote (the Worker's console and uncaught errors). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts workerd on an ES module Worker (`code`), with text bindings. */
export async function startWorker(
  code: string,
  options: { nodejsCompat: boolean; bindings: Record<string, string> }
): Promise<RunningWorker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'otel-loki-workerd-'));
  writeFileSync(path.join(dir, 'worker.mjs'), code);
  const bindings = Object.entries(options.bindings)
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(', ');
  const flags = options.nodejsCompat ? '"nodejs_compat"' : '';
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = [${flags}],
  bindings = [${bindings}],
  globalOutbound = "loopback",
);
`
  );
  const child = spawn(WORKERD, ['serve', path.join(dir, 'config.capnp'), '--control-fd=3', '--verbose'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await listenPort(child, () => output);
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The port of the `http` socket, from workerd's control messages (one JSON object a line). */
function listenPort(child: ChildProcess, output: () => string): Promise<number> {
  const control = child.stdio[3] as NodeJS.ReadableStream;
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`workerd did not listen within ${START_TIMEOUT_MILLIS} ms: ${output()}`));
    }, START_TIMEOUT_MILLIS);
    control.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n').slice(0, -1)) {
        const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (message.event === 'listen' && message.socket === 'http' && message.port !== undefined) {
          clearTimeout(timer);
          resolve(message.port);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`workerd exited (${code}) before listening: ${output()}`));
    });
  });
}
