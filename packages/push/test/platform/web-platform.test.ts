import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveClientConfig } from '../../src/client/configuration';
import * as web from '../../src/platform/web/runtime';

const PACKAGE_DIR = join(__dirname, '..', '..');
/** The suites of the client layer and the wire format: they must hold with the fetch transport too. */
const SUITES = [
  'test/client/push-client.test.ts',
  'test/client/push-encoded.test.ts',
  'test/client/loki-logger.test.ts',
  'test/client/configuration.test.ts',
  'test/transport/request-splitting.test.ts',
  'test/loki/*.test.ts',
  'test/wire/*.test.ts',
];
/** Node-only by design: connection reuse of the keep-alive agent, and TLS keys (refused on the web). */
const NODE_ONLY = 'kept-alive connection|never shows credentials or TLS keys';
const CHILD_TIMEOUT_MILLIS = 120_000;

describe('the web platform (#platform/* under the workerd, worker, browser and edge-light conditions)', () => {
  it('passes the client, logger and wire suites with the fetch transport and the TextEncoder bytes', function () {
    this.timeout(CHILD_TIMEOUT_MILLIS + 5_000);
    const child = spawnSync(
      process.execPath,
      [require.resolve('mocha/bin/mocha.js'), '--grep', NODE_ONLY, '--invert', ...SUITES],
      {
        cwd: PACKAGE_DIR,
        // tsx maps #platform/* with the tsconfig it is given: here to src/platform/web.
        env: { ...process.env, TSX_TSCONFIG_PATH: join(PACKAGE_DIR, 'test', 'tsconfig.web.json') },
        encoding: 'utf8',
        timeout: CHILD_TIMEOUT_MILLIS,
      }
    );
    const output = `${child.stdout}${child.stderr}`;
    expect(child.status, output.slice(-4000)).to.equal(0);
    expect(output).to.match(/\d+ passing/);
  });

  it('refuses what only node:http can do, by name, before any I/O', () => {
    const config = resolveClientConfig({ url: 'http://127.0.0.1:1', ca: 'PEM', insecureSkipVerify: true });
    expect(() => web.createTransport(config)).to.throw(TypeError, /^ca, insecureSkipVerify: not supported/);
    expect(() => web.resolveProxy('http://proxy:3128', new URL('http://loki'))).to.throw(
      TypeError,
      /^proxy: not supported/
    );
    expect(web.resolveProxy(false, new URL('http://loki'))).to.equal(undefined);
    expect(() => web.sendSync([], 1)).to.throw(/pushSync\(\) is not supported/);
  });
});
