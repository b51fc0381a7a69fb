/**
 * Failures a test can ask for: the next push requests in order (`failNext`), or every request
 * matching a predicate (`failWhen`). Injected failures act before anything else, as a gateway
 * or a struggling Loki would.
 */
import type { FailureSpec, FailWhenOptions, RequestInfo } from './types';

interface Rule {
  predicate: (request: RequestInfo) => boolean;
  spec: FailureSpec;
  remaining: number;
}

/**
 * Checks a failure specification.
 *
 * @throws {TypeError|RangeError} naming the field that is wrong.
 */
export function validateFailureSpec(spec: FailureSpec, where: string): FailureSpec {
  if (spec === null || typeof spec !== 'object')
    throw new TypeError(`${where}: expected an object, got ${String(spec)}`);
  const actions = [spec.status !== undefined, spec.reset === true, spec.hang === true].filter(Boolean).length;
  if (actions > 1) throw new TypeError(`${where}: give at most one of status, reset and hang`);
  if (actions === 0 && spec.delayMillis === undefined) {
    throw new TypeError(`${where}: give status, reset, hang or delayMillis`);
  }
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
    throw new RangeError(`${where}.status: expected an HTTP status from 100 to 599, got ${String(spec.status)}`);
  }
  for (const field of ['retryAfterSeconds', 'delayMillis'] as const) {
    const value = spec[field];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0) || value === Infinity)) {
      throw new RangeError(`${where}.${field}: expected a finite number >= 0, got ${String(value)}`);
    }
  }
  return { ...spec };
}

/** The queue and rules of injected failures. */
export class FailureInjector {
  private readonly _queue: FailureSpec[] = [];
  private readonly _rules: Rule[] = [];

  /** Queues failures for the next push requests, one each. */
  failNext(specs: FailureSpec | readonly FailureSpec[]): void {
    const list = Array.isArray(specs) ? specs : [specs as FailureSpec];
    const checked = list.map((spec, i) => validateFailureSpec(spec, `failNext[${i}]`));
    this._queue.push(...checked);
  }

  /** Fails requests for which `predicate` is true, `options.times` times (default: until cleared). */
  failWhen(predicate: (request: RequestInfo) => boolean, spec: FailureSpec, options: FailWhenOptions = {}): void {
    if (typeof predicate !== 'function') throw new TypeError('failWhen: predicate must be a function');
    const times = options.times ?? Infinity;
    if (!(times > 0)) throw new RangeError(`failWhen: options.times must be > 0, got ${String(times)}`);
    this._rules.push({ predicate, spec: validateFailureSpec(spec, 'failWhen spec'), remaining: times });
  }

  /** Drops every queued failure and rule. */
  clear(): void {
    this._queue.length = 0;
    this._rules.length = 0;
  }

  /** Failures still queued by `failNext`. */
  get pending(): number {
    return this._queue.length;
  }

  /** The failure to inject into `request`, if any; consumes it. */
  take(request: RequestInfo): FailureSpec | undefined {
    for (const rule of this._rules) {
      if (rule.remaining > 0 && rule.predicate(request)) {
        rule.remaining--;
        return rule.spec;
      }
    }
    if (request.kind === 'push') return this._queue.shift();
    return undefined;
  }
}
