/**
 * Bundling as users bundle for Workers and browsers: esbuild with the runtime's conditions
 * (wrangler: `workerd`, `worker`, `browser`; a browser bundler: `browser`), ESM output. The
 * monorepo's tsconfig files map `#platform/*` to Node sources for tsc and tsx, which esbuild
 * would follow too: a neutral tsconfig makes it read the packages as a registry install does.
 */
import * as esbuild from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The conditions of each target. */
export const CONDITIONS = {
  workerd: ['workerd', 'worker', 'browser'],
  browser: ['browser'],
  'edge-light': ['edge-light', 'worker', 'browser'],
} as const;

export type BundleTarget = keyof typeof CONDITIONS;

/** A bundle and what went into it. */
export interface Bundle {
  code: string;
  /** Input files, relative to the repository root. */
  inputs: string[];
  /** Imports left outside the bundle (none, for a self-contained one). */
  external: string[];
}

/** Bundles `entry` (a file, or source text with `contents`) for `target`, minified when asked. */
export async function bundle(
  target: BundleTarget,
  entry: { file: string } | { contents: string; resolveDir: string },
  options: { minify?: boolean } = {}
): Promise<Bundle> {
  const neutral = path.join(mkdtempSync(path.join(tmpdir(), 'otel-loki-bundle-')), 'tsconfig.json');
  writeFileSync(neutral, '{}');
  const result = await esbuild.build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, loader: 'ts' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: [...CONDITIONS[target]],
    minify: options.minify ?? false,
    metafile: true,
    tsconfig: neutral,
    logLevel: 'silent',
  });
  const root = path.join(__dirname, '..', '..');
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.relative(root, path.resolve(input)));
  const external = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  return { code: result.outputFiles[0].text, inputs, external };
}
