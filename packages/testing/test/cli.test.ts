import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { expect } from 'chai';
import { parseArgs } from '../src/cli';
import { request } from './helpers/http';

const CLI = path.join(__dirname, '..', 'src', 'cli.ts');

describe('otel-loki-test-server (CLI)', () => {
  it('parses its options', () => {
    expect(parseArgs([])).to.deep.equal({ port: 3100, limits: {} });
    expect(
      parseArgs(['--port', '0', '--host', '0.0.0.0', '--auth', '--max-line-size', '1024', '--loki-3.4'])
    ).to.deep.equal({
      port: 0,
      host: '0.0.0.0',
      authEnabled: true,
      lokiVersion: '3.4',
      limits: { maxLineSize: 1024 },
    });
    expect(parseArgs(['--cors', 'http://localhost:5173, https://app.example'])).to.deep.include({
      cors: { origins: ['http://localhost:5173', 'https://app.example'] },
    });
    expect(parseArgs(['--cors', '*'])).to.deep.include({ cors: { origins: '*' } });
    expect(parseArgs(['--help'])).to.equal('help');
    expect(() => parseArgs(['--port'])).to.throw(/--port needs a value/);
    expect(() => parseArgs(['--port', 'x'])).to.throw(/expected a non-negative integer/);
    expect(() => parseArgs(['--what'])).to.throw(/unknown argument --what/);
  });

  it('prints its URL, serves until SIGTERM, then exits 0', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, '--port', '0', '--auth'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    expect(await request(`${url}/ready`)).to.include({ status: 200, body: 'ready' });
    expect(await request(`${url}/loki/api/v1/push`, { method: 'POST' })).to.include({ status: 401, body: 'no org id' });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).to.equal(0);
  });

  it('exits 2 with usage on a bad argument', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, '--bogus'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).to.equal(2);
    expect(stderr).to.contain('unknown argument --bogus').and.contain('Usage: otel-loki-test-server');
  });
});
