/** Types shared inside this package only. */

/** One label or structured metadata pair. */
export interface Label {
  name: string;
  value: string;
}

/** One entry as the ingester keeps it. */
export interface IngestedEntry {
  timestampNanos: bigint;
  line: string;
  metadata: Label[];
}

/** A status and plain-text body, as Loki answers errors (`http.Error`). */
export interface HttpAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
