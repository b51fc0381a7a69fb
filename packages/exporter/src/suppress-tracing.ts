/**
 * The exporter's own HTTP calls run with tracing suppressed, so that HTTP auto-instrumentation
 * neither traces nor logs them (a log exporter whose requests produce logs is a feedback loop).
 *
 * This is `suppressTracing` of `@opentelemetry/core`, written against `@opentelemetry/api`
 * alone: the key is created with `createContextKey`, i.e. `Symbol.for` of the same
 * description, so every copy of core (2.x or 3.x) reads it. Depending on core itself would
 * pin one line: core 2.x declares a peer `@opentelemetry/api <1.10`, core 3.x needs Node 22.
 */
import { context, createContextKey } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** `ctx` with tracing suppressed. */
export function suppressTracing(ctx: Context): Context {
  return ctx.setValue(SUPPRESS_TRACING_KEY, true);
}

/** Runs `fn` in the active context with tracing suppressed. */
export function withTracingSuppressed<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}
