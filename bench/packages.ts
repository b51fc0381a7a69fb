/**
 * The built packages under test (`npm run bench` builds them first): the public entry points
 * plus the internals the benchmark needs (the exporter's test seam, the protobuf writer).
 * Paths, not package names, so that the deep imports are explicit and the exports maps of the
 * packages stay closed to users.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as ExporterIndex from '../packages/exporter/src/index';
import type * as ExporterInternals from '../packages/exporter/src/test-seam';
import type * as PushIndex from '../packages/push/src/index';
import type * as PushInternal from '../packages/push/src/internal';

export const exporterBuild: typeof ExporterIndex & typeof ExporterInternals = {
  ...require('../packages/exporter/build/src/index.js'),
  ...require('../packages/exporter/build/src/test-seam.js'),
};
export const pushBuild: typeof PushIndex = require('../packages/push/build/src/index.js');
export const pushInternalBuild: typeof PushInternal = require('../packages/push/build/src/internal.js');
