/**
 * The benchmarks' child processes: the loopback sink and one e2e-worker run, each a tsx process
 * of its own, so that CPU time and memory are the worker's alone.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { E2eResult } from './e2e-worker';

const WORKER = path.join(__dirname, 'e2e-worker.ts');
const SINK = path.join(__dirname, 'sink.ts');

export function tsxProcess(script: string, args: string[], node = process.execPath): ChildProcess {
  return spawn(node, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Where a worker runs: this Node and the workspace (OTel 2.x), or Node 24 and the 3.x line (`otel3.ts`). */
export interface WorkerRuntime {
  node: string;
  worker: string;
}

export const DEFAULT_RUNTIME: WorkerRuntime = { node: process.execPath, worker: WORKER };

/** Starts the loopback sink (`--verify`: it counts every Loki entry it receives). */
export async function startSink(): Promise<{ url: string; stop: () => void }> {
  const child = tsxProcess(SINK, ['--verify']);
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve((JSON.parse(text.slice(0, newline)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/** One e2e-worker run; its JSON result line. */
export async function runWorker(
  pipeline: string,
  records: number,
  sinkUrl: string,
  exportOnly: boolean,
  extraArgs: readonly string[] = [],
  runtime: WorkerRuntime = DEFAULT_RUNTIME
): Promise<E2eResult> {
  const child = tsxProcess(
    runtime.worker,
    [pipeline, String(records), sinkUrl, ...(exportOnly ? ['--export-only'] : []), ...extraArgs],
    runtime.node
  );
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${pipeline} worker exited with ${code}`);
  return JSON.parse(text.trim().split('\n').pop()!) as E2eResult;
}
