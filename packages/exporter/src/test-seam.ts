/**
 * The exporter's internal seam: dependencies that tests replace (the push client, clocks,
 * the environment). Passed under a symbol that `index.ts` does not export, so it is not a
 * public option.
 */
import type { SpoolOptions } from './spool/types';
import type { LokiClientOptions } from '@otel-loki/push';
import type { PushClient } from './internal-types';

/** Key under which tests pass {@link ExporterInternals} in the options object. */
export const INTERNALS: unique symbol = Symbol('@otel-loki/exporter internals');

/** Replaceable dependencies of the exporter. */
export interface ExporterInternals {
  createClient?: (options: LokiClientOptions) => PushClient;
  /** Wall clock in ms (timestamps window, stream idleness). */
  nowMillis?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
  /** `false`: every record takes the mapping's general path (tests compare it with the fast, packed one). */
  packEntries?: boolean;
  /** Spool options beyond the public ones (file-system layer, clocks, heartbeat). */
  spool?: Partial<SpoolOptions>;
}
