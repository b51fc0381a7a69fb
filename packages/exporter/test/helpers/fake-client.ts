/** A push client that records what the exporter would send, and fails on demand. */
import type { LokiClientOptions, PushResult, PushStream } from '@otel-loki/push';
import type { PushClient, PushOptions } from '../../src/internal-types';
import { INTERNALS } from '../../src/test-seam';
import type { ExporterInternals } from '../../src/test-seam';
import { LokiLogRecordExporter } from '../../src/loki-log-record-exporter';
import type { LokiExporterOptions } from '../../src/types';

/** One recorded push. */
export interface RecordedPush {
  streams: readonly PushStream[];
  options: PushOptions | undefined;
}

/** What the fake answers to a push: a result, an error, or a promise it controls. */
export type FakeAnswer = Error | (() => Promise<PushResult>);

/** Records pushes; answers success unless told otherwise. */
export class FakePushClient implements PushClient {
  readonly pushes: RecordedPush[] = [];
  readonly answers: FakeAnswer[] = [];
  options: LokiClientOptions | undefined;
  closed = false;

  async push(streams: readonly PushStream[], options?: PushOptions): Promise<PushResult> {
    this.pushes.push({ streams, options });
    const answer = this.answers.shift();
    if (answer instanceof Error) throw answer;
    if (answer !== undefined) return answer();
    return successResult(streams);
  }

  /** Pushes made synchronously (the flush at exit); `syncAnswers` like `answers`, for them. */
  readonly syncPushes: RecordedPush[] = [];
  readonly syncAnswers: Error[] = [];

  pushSync(streams: readonly PushStream[], options?: PushOptions): PushResult {
    this.syncPushes.push({ streams, options });
    const answer = this.syncAnswers.shift();
    if (answer !== undefined) throw answer;
    return successResult(streams);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every stream pushed, in order. */
  get streams(): PushStream[] {
    return this.pushes.flatMap((p) => p.streams);
  }
}

/** An exporter wired to a fresh fake client, with an empty environment unless given. */
export function exporterWithFake(
  options: LokiExporterOptions = {},
  internals: ExporterInternals = {}
): { exporter: LokiLogRecordExporter; client: FakePushClient } {
  const client = new FakePushClient();
  const exporter = new LokiLogRecordExporter({
    ...options,
    [INTERNALS]: {
      env: {},
      ...internals,
      createClient: (clientOptions: LokiClientOptions) => {
        client.options = clientOptions;
        return client;
      },
    },
  } as LokiExporterOptions);
  return { exporter, client };
}

/** What a push of `streams` that Loki took answers (one request, one attempt). */
export function successResult(streams: readonly PushStream[]): PushResult {
  const entries = streams.reduce((n, s) => n + s.entries.length, 0);
  return {
    status: 204,
    requests: 1,
    attempts: 1,
    entries,
    streams: streams.length,
    bytes: 0,
    wireBytes: 0,
  };
}
