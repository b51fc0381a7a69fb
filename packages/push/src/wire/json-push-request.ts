/** Loki's JSON push format, the client's `format: 'json'`. */
import type { PushStream } from '../types';
import { parseLabels } from './label-set';

/**
 * Encodes streams in Loki's JSON push format:
 * `{"streams":[{"stream":{...},"values":[["<ns>","<line>",{<metadata>}]]}]}`.
 * The `stream` object is read back from each stream's label string.
 *
 * @throws {LabelSyntaxError} when a stream's label string is not valid Loki syntax.
 */
export function encodeJsonPushRequest(streams: readonly PushStream[]): string {
  return JSON.stringify({
    streams: streams.map((stream) => ({
      stream: labelsObject(stream.labels),
      values: stream.entries.map((entry) => {
        const value: unknown[] = [entry.timestampNanos.toString(), entry.line];
        if (entry.metadata && entry.metadata.length > 0) {
          const metadata: Record<string, string> = {};
          for (const pair of entry.metadata) metadata[pair.name] = pair.value;
          value.push(metadata);
        }
        return value;
      }),
    })),
  });
}

function labelsObject(labels: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of parseLabels(labels)) result[pair.name] = pair.value;
  return result;
}
