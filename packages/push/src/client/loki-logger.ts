/**
 * LokiLogger: the TypeScript counterpart of the Python `LokiLogger` client —
 * `sendLog` for one entry, `sendBatch` for many, grouped into streams by labels.
 */
import { groupIntoStreams, validateEntry } from '../loki/entry-validation';
import type { ValidatedEntry } from '../loki/entry-validation';
import { LokiPushClient } from './push-client';
import type { LokiPushClientInternals, PushOptions } from './push-client';
import type { LogEntry, LokiClientOptions, LoggerResult, SendBatchOptions } from '../types';

/**
 * Most entries {@link LokiLogger.log} keeps for the next {@link LokiLogger.flush}; past it
 * `log()` keeps nothing more and returns `false` (a bound for code that never flushes).
 */
export const MAX_PENDING_ENTRIES = 10_000;

/** Sends log entries to Loki. Reuse one per process and `close()` it at exit. */
export class LokiLogger {
  private readonly _client: LokiPushClient;
  /** What `log()` kept for the next `flush()`. */
  private _pending: ValidatedEntry[] = [];

  /** @throws {TypeError|RangeError} on invalid options, naming the option. */
  constructor(options: LokiClientOptions, internals: LokiPushClientInternals = {}) {
    this._client = new LokiPushClient(options, internals);
  }

  /** The underlying push client (for pushing pre-built streams). */
  get client(): LokiPushClient {
    return this._client;
  }

  /**
   * Sends one entry. Without `timestamp`, the entry is stamped now, in nanoseconds.
   *
   * @throws {TypeError|RangeError} for an invalid entry, before any I/O.
   * @throws {LokiPushError} when Loki did not take it after the allowed retries.
   */
  async sendLog(entry: LogEntry, options: PushOptions = {}): Promise<LoggerResult> {
    return this._send([this._validate(entry, 'entry')], true, options);
  }

  /**
   * Sends many entries. With `groupByLabels` (default), entries with equal labels share one
   * stream, sorted by timestamp; without, each entry is its own stream, in order. Large
   * batches are split into requests under `maxRequestBytes`.
   *
   * @throws {TypeError|RangeError} for any invalid entry (naming its index), before any I/O.
   * @throws {LokiPushError} when some entries were not delivered (see `failedStreams`).
   */
  async sendBatch(entries: readonly LogEntry[], options: SendBatchOptions & PushOptions = {}): Promise<LoggerResult> {
    if (!Array.isArray(entries)) {
      throw new TypeError(
        `entries: expected an array of { message, labels, metadata?, timestamp? }, got ${typeof entries}`
      );
    }
    const groupByLabels = options.groupByLabels ?? true;
    if (typeof groupByLabels !== 'boolean') {
      throw new TypeError(`groupByLabels: expected a boolean, got ${typeof groupByLabels}`);
    }
    const validated = entries.map((entry, index) => this._validate(entry, `entries[${index}]`));
    return this._send(validated, groupByLabels, options);
  }

  /**
   * Keeps one entry for the next {@link flush}, sending nothing now: for code that sends at a
   * point of its choosing, such as a Cloudflare Worker after its response
   * (`ctx.waitUntil(logger.flush())`). The entry is validated (and stamped, without
   * `timestamp`) now.
   *
   * @returns `false` when {@link MAX_PENDING_ENTRIES} entries are already waiting: this one is not kept.
   * @throws {TypeError|RangeError} for an invalid entry.
   */
  log(entry: LogEntry): boolean {
    const validated = this._validate(entry, 'entry');
    if (this._pending.length >= MAX_PENDING_ENTRIES) return false;
    this._pending.push(validated);
    return true;
  }

  /** Entries kept by {@link log} and not yet flushed. */
  get pending(): number {
    return this._pending.length;
  }

  /**
   * Sends what {@link log} kept, as {@link sendBatch} sends (grouped by labels, split by
   * size, retried within the deadline), and forgets it: a failed flush is not kept for the
   * next one (`LokiPushError.failedStreams` has it). Resolves at once when nothing waits.
   *
   * @throws {LokiPushError} when some entries were not delivered.
   */
  async flush(options: PushOptions = {}): Promise<LoggerResult> {
    const pending = this._pending;
    this._pending = [];
    return this._send(pending, true, options);
  }

  /** Closes kept-alive connections. Entries kept by {@link log} and not flushed are not sent. */
  async close(): Promise<void> {
    await this._client.close();
  }

  private _validate(entry: LogEntry, field: string): ValidatedEntry {
    const { timezone, limits } = this._client.config;
    return validateEntry(entry, field, { timezone, limits, nowMillis: Date.now() });
  }

  private async _send(
    validated: ValidatedEntry[],
    groupByLabels: boolean,
    options: PushOptions
  ): Promise<LoggerResult> {
    let replaced = 0;
    for (const v of validated) replaced += v.replacedValues;
    if (validated.length === 0) {
      return {
        status: 204,
        requests: 0,
        attempts: 0,
        entries: 0,
        streams: 0,
        bytes: 0,
        wireBytes: 0,
        labelValuesReplaced: 0,
      };
    }
    const result = await this._client.push(groupIntoStreams(validated, groupByLabels), options);
    return { ...result, labelValuesReplaced: replaced };
  }
}
