#!/usr/bin/env node
/**
 * Runs the @otel-loki/exporter test suite against the OpenTelemetry JS 3.x line (sdk-logs 3.x,
 * api 1.10, Node >= 22.15), which cannot share the workspace's node_modules with the 2.x line.
 *
 * The built exporter (packages/exporter/build/src) and its tests are copied into .run/, and
 * the built @otel-loki/push is vendored into .run/node_modules, so that every require of
 * `@opentelemetry/*` resolves to this package's node_modules (3.x) and never to the root's
 * (2.x). Run through `npm test --prefix test/otel3` so that the `node` npm package (Node 24)
 * is first on PATH. Needs `npm run build` at the root first.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const root = path.resolve(here, '..', '..');
const exporterDir = path.join(root, 'packages', 'exporter');
const pushDir = path.join(root, 'packages', 'push');
const runDir = path.join(here, '.run');

function copyDir(from, to, filter = () => true, rename = (name) => name) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, rename(entry.name));
    if (entry.isDirectory()) copyDir(source, target, filter, rename);
    else if (filter(source)) fs.copyFileSync(source, target);
  }
}

function requireBuilt(dir) {
  const built = path.join(dir, 'build', 'src', 'index.js');
  if (!fs.existsSync(built)) {
    console.error(`${built} is missing: run \`npm run build\` at the repository root first`);
    process.exit(2);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  console.error(
    `the 3.x line needs Node >= 22.15, this is ${process.version}; run through \`npm test --prefix test/otel3\``
  );
  process.exit(2);
}
requireBuilt(exporterDir);
requireBuilt(pushDir);

fs.rmSync(runDir, { recursive: true, force: true });
copyDir(path.join(exporterDir, 'build', 'src'), path.join(runDir, 'src'), (f) => f.endsWith('.js'));
// The declarations too, where the package's own tests read them (../build/src).
copyDir(path.join(exporterDir, 'build', 'src'), path.join(runDir, 'build', 'src'), (f) => f.endsWith('.d.ts'));
// Renamed to *.suite.ts so that the root suite's 'test/**/*.test.ts' never picks up the copies.
copyDir(
  path.join(exporterDir, 'test'),
  path.join(runDir, 'test'),
  (f) => f.endsWith('.ts'),
  (n) => n.replace(/\.test\.ts$/, '.suite.ts')
);
// The exporter's `#platform/*` imports, mapped to where its build was copied (.run/src).
const exporterImports = JSON.parse(fs.readFileSync(path.join(exporterDir, 'package.json'), 'utf8')).imports;
fs.writeFileSync(
  path.join(runDir, 'package.json'),
  JSON.stringify({ private: true, imports: exporterImports }).replaceAll('./build/src/', './src/')
);
const vendoredPush = path.join(runDir, 'node_modules', '@otel-loki', 'push');
copyDir(path.join(pushDir, 'build', 'src'), path.join(vendoredPush, 'build', 'src'), (f) => f.endsWith('.js'));
fs.copyFileSync(path.join(pushDir, 'package.json'), path.join(vendoredPush, 'package.json'));

const versions = ['@opentelemetry/api', '@opentelemetry/sdk-logs', '@opentelemetry/sdk-node'].map(
  (name) => `${name}@${require(path.join(here, 'node_modules', name, 'package.json')).version}`
);
console.log(`exporter suite on Node ${process.version} with ${versions.join(', ')}`);

const mocha = path.join(here, 'node_modules', 'mocha', 'bin', 'mocha.js');
const result = spawnSync(
  process.execPath,
  [
    mocha,
    '--require',
    'tsx/cjs',
    '--extension',
    'ts',
    '--timeout',
    '20000',
    '--recursive',
    path.join(runDir, 'test', '**', '*.suite.ts'),
  ],
  { cwd: here, stdio: 'inherit' }
);
process.exit(result.status ?? 1);
