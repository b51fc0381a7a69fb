/**
 * Pack smoke test: `npm pack` each package, install the tarballs into an empty temporary
 * project (offline from the npm cache when it can, else preferring it), then run a CommonJS and
 * an ESM consumer against LokiTestServer (each also starts the register entry) and type-check
 * both sides with moduleResolution node16. Needs `npm run build`.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'packaging');
const PACKAGES = ['push', 'testing', 'exporter'];
/** Third-party packages the consumers need, at the versions the workspace uses. */
const CONSUMER_DEPENDENCIES = [
  '@opentelemetry/api',
  '@opentelemetry/api-logs',
  '@opentelemetry/sdk-logs',
  '@opentelemetry/sdk-node',
  '@types/node',
];
const INSTALL_TIMEOUT_MILLIS = 180_000;
const CONSUMER_TIMEOUT_MILLIS = 60_000;

function installedVersion(name: string): string {
  // Read from the root's node_modules: some packages do not export ./package.json.
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

describe('packed tarballs in an empty project (smoke)', function () {
  this.timeout(INSTALL_TIMEOUT_MILLIS + CONSUMER_TIMEOUT_MILLIS);
  let project: string;

  before(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'otel-loki-pack-'));
    const tarballs: string[] = [];
    for (const name of PACKAGES) {
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], {
        cwd: path.join(ROOT, 'packages', name),
      });
      const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
      tarballs.push(`./${packed.filename}`);
    }
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'pack-smoke-consumer', private: true }));
    const specs = [...tarballs, ...CONSUMER_DEPENDENCIES.map((name) => `${name}@${installedVersion(name)}`)];
    const install = (mode: string) =>
      run('npm', ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...specs], {
        cwd: project,
        timeout: INSTALL_TIMEOUT_MILLIS,
      });
    try {
      await install('--offline');
    } catch {
      // The npm cache may lack some metadata (e.g. after `npm ci` only): fetch what is missing.
      await install('--prefer-offline');
    }
    for (const file of readdirSync(FIXTURES)) copyFileSync(path.join(FIXTURES, file), path.join(project, file));
  });
  after(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('each tarball holds the build, the README and package.json only', async () => {
    for (const name of PACKAGES) {
      const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: path.join(ROOT, 'packages', name) });
      const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
      const paths = packed.files.map((f) => f.path);
      expect(paths.filter((p) => !/^build\/(src|esm)\//.test(p)).sort(), name).to.deep.equal([
        'README.md',
        'package.json',
      ]);
      expect(paths, name).to.include.members([
        'build/src/index.js',
        'build/src/index.d.ts',
        'build/esm/index.mjs',
        'build/esm/index.d.mts',
      ]);
    }
  });

  it('a CommonJS consumer (require, --require register) works against LokiTestServer', async () => {
    const { stdout } = await run(process.execPath, ['consumer.cjs'], {
      cwd: project,
      timeout: CONSUMER_TIMEOUT_MILLIS,
    });
    expect(stdout).to.include('cjs consumer ok');
  });

  it('an ESM consumer (import, --import register) works against LokiTestServer', async () => {
    const { stdout } = await run(process.execPath, ['consumer.mjs'], {
      cwd: project,
      timeout: CONSUMER_TIMEOUT_MILLIS,
    });
    expect(stdout).to.include('esm consumer ok');
  });

  /** Runs tsc in the project on `files` with `compilerOptions` (written to `tsconfig`). */
  async function typeCheck(tsconfig: string, compilerOptions: object, files: string[]): Promise<void> {
    writeFileSync(path.join(project, tsconfig), JSON.stringify({ compilerOptions, files }));
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], {
      cwd: project,
      timeout: CONSUMER_TIMEOUT_MILLIS,
    }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`);
    });
  }

  it('the type declarations resolve from ESM and CommonJS (moduleResolution node16)', async () => {
    const compilerOptions = {
      noEmit: true,
      strict: true,
      module: 'node16',
      moduleResolution: 'node16',
      target: 'es2022',
      types: ['node'],
    };
    await typeCheck('tsconfig.json', compilerOptions, ['types.mts', 'types.cts']);
  });

  it('the type declarations need no @types/node (a Worker or browser project, skipLibCheck off)', async () => {
    const compilerOptions = {
      noEmit: true,
      strict: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      customConditions: ['workerd'],
      skipLibCheck: false,
    };
    await typeCheck('tsconfig.web.json', compilerOptions, ['web-types.mts']);
  });
});
