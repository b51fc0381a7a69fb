/** Errors of the LogQL engine, with the texts and statuses Loki answers. */

/** A query Loki refuses; `message` is the body of its answer and `status` its HTTP status. */
export class LogqlQueryError extends Error {
  constructor(
    message: string,
    readonly status = 400
  ) {
    super(message);
    this.name = 'LogqlQueryError';
  }
}

/** `logqlmodel.ParseError`: `parse error at line 1, col 5: <msg>`, or `parse error : <msg>` without a position. */
export class LogqlParseError extends LogqlQueryError {
  constructor(message: string, line = 0, col = 0) {
    super(line === 0 && col === 0 ? `parse error : ${message}` : `parse error at line ${line}, col ${col}: ${message}`);
    this.name = 'LogqlParseError';
  }

  /** An error at a JS string index of `input` (line and rune column from 1, as Go's text/scanner counts). */
  static at(input: string, index: number, message: string): LogqlParseError {
    const before = input.slice(0, index);
    const lastBreak = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = [...before.slice(lastBreak + 1)].length + 1;
    return new LogqlParseError(message, line, col);
  }
}

/** `logqlmodel.NewSeriesLimitError`. */
export function seriesLimitError(limit: number): LogqlQueryError {
  return new LogqlQueryError(`maximum of series (${limit}) reached for a single query`);
}
