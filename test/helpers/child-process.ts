/** Child processes of the root tests: bounded runs, with their output. */
import type { ChildProcess } from 'node:child_process';

/** Bound of one child process (one that starts the SDK and the auto-instrumentations takes ~2 s). */
export const CHILD_TIMEOUT_MILLIS = 30_000;

/** How a child ended and what it wrote. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without the OTEL_* variables of the developer's shell. */
export function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
}

/**
 * Runs a child (spawned with piped stdout and stderr) to its end; kills it and fails after
 * `timeoutMillis`. `onStdout` sees the output so far after each chunk.
 */
export function finished(
  child: ChildProcess,
  onStdout?: (stdout: string) => void,
  timeoutMillis: number = CHILD_TIMEOUT_MILLIS
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child still running after ${timeoutMillis} ms; stderr: ${stderr}`));
    }, timeoutMillis);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
