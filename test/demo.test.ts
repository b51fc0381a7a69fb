/**
 * Smoke test of `npm run demo` (scripts/demo.ts, without its build step): it runs, prints the
 * streams, a sample, the counts, the suggested LogQL with what it returns, loses nothing, and writes no colour codes when
 * stdout is not a terminal. Needs `npm run build`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const DEMO_TIMEOUT_MILLIS = 40_000;

describe('npm run demo (smoke)', function () {
  this.timeout(DEMO_TIMEOUT_MILLIS + 5_000);

  it('runs against the embedded Loki and shows what landed, nothing dropped', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('LOKI_'))
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...env, DEMO_LOAD_SECONDS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`demo still running after ${DEMO_TIMEOUT_MILLIS} ms: ${output}`));
      }, DEMO_TIMEOUT_MILLIS);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });

    expect(code, output).to.equal(0);
    expect(output).to.include('embedded LokiTestServer');
    expect(output).to.match(/shop-frontend-\w+\s+shop-frontend\s+otel-loki-demo\s+\d+/);
    expect(output).to.match(/shop-checkout\s+(info|warn|error)\s+/);
    expect(output).to.match(/sent (\d+)\s+stored \1\s+dropped 0/);
    expect(output).to.include('{service_namespace="otel-loki-demo"}');
    // The suggested LogQL, run on the embedded server, and what it returned.
    expect(output).to.match(/errors by service\s+sum by \(service_name\).*\n\s+(no errors|shop-\w+ \d+)/);
    expect(output).to.match(/one request's logs\s+\{.*\| trace_id="\w+"\n\s+\d\d:\d\d:\d\d\.\d{3}\s+shop-\w+/);
    expect(output).to.match(/volume by level\s+sum by \(detected_level\).*\n\s+(info|debug|warn|error) \d+/);
    expect(output).to.not.include('\x1b[');
  });
});
