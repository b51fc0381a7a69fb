/**
 * LokiLogger: the TypeScript counterpart of the Python `LokiLogger` client —
 * `sendLog` for one entry, `sendBatch` for many, grouped into streams by labels.
 */
import { groupIntoStreams, validateEntry } from '../loki/entry-validation';
import type { ValidatedEntry } from '../loki/entry-validation';
import { LokiPushClient } from './push-client';
import type { LokiPushClientInternals, PushOptions } from './push-client';
import type { LogEntry, LokiClientOptions, LoggerResult, SendBatchOptions } from '../types';

/** Sends log entries to Loki. Reuse one per process and `close()` it at exit. */
export class LokiLogger {
  private readonly _client: LokiPushClient;

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

  /** Closes kept-alive connections. */
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
