/**
 * Loki's logfmt decoder (`pkg/logql/log/logfmt/decode.go`): keys and values in order, stopping
 * at the first syntax error as `for !dec.EOL() && dec.ScanKeyval()` does, or skipping the bad
 * pair and going on as the non-strict `| logfmt` parser does.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/logql/log/logfmt/decode.go
 */

/** One key and its value (`undefined` for `key` or `key=` alone). */
export interface LogfmtPair {
  key: string;
  value: string | undefined;
}

/** What decoding a line found. */
export interface LogfmtResult {
  pairs: LogfmtPair[];
  /** Loki's syntax error text, when decoding stopped on one. */
  error?: string;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

function syntaxError(pos: number, msg: string): string {
  return `logfmt syntax error at pos ${pos + 1} : ${msg}`;
}

/** Go's `%q` of one byte, as in `unexpected '"'`. */
function quoteByte(c: number): string {
  return c === QUOTE ? `'"'` : `'${String.fromCharCode(c)}'`;
}

/** `unquoteBytes`: JSON string escapes, plus `\'`. */
function unquote(quoted: string): string | undefined {
  try {
    const value: unknown = JSON.parse(quoted.replace(/\\'/g, "'"));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes `line` as Loki's logfmt decoder does. With `skipErrors`, a pair with a syntax error is
 * skipped and decoding goes on after it (the first error is still reported).
 */
export function decodeLogfmt(line: string, skipErrors = false): LogfmtResult {
  const pairs: LogfmtPair[] = [];
  let firstError: string | undefined;
  const fail = (error: string): boolean => {
    firstError ??= error;
    return !skipErrors;
  };
  const n = line.length;
  let pos = 0;
  const skipValue = (): void => {
    while (pos < n && line.charCodeAt(pos) > SPACE) pos++;
  };
  while (pos < n) {
    while (pos < n && line.charCodeAt(pos) <= SPACE) pos++;
    if (pos >= n) break;
    const start = pos;
    let key: string | undefined;
    for (; pos < n; pos++) {
      const c = line.charCodeAt(pos);
      if (c === EQUALS || c === QUOTE || c <= SPACE) break;
    }
    const stop = pos < n ? line.charCodeAt(pos) : -1;
    if (stop === QUOTE || (stop === EQUALS && pos === start)) {
      const error = syntaxError(pos, `unexpected ${quoteByte(stop)}`);
      skipValue();
      if (fail(error)) break;
      continue;
    }
    if (pos > start) key = line.slice(start, pos);
    if (stop !== EQUALS) {
      if (key !== undefined) pairs.push({ key, value: undefined });
      continue;
    }
    pos++; // '='
    if (pos >= n || line.charCodeAt(pos) <= SPACE) {
      pairs.push({ key: key as string, value: undefined });
      continue;
    }
    if (line.charCodeAt(pos) === QUOTE) {
      const open = pos;
      let escaped = false;
      let hasEscape = false;
      let close = -1;
      for (let p = open + 1; p < n; p++) {
        const c = line.charCodeAt(p);
        if (escaped) escaped = false;
        else if (c === BACKSLASH) hasEscape = escaped = true;
        else if (c === QUOTE) {
          close = p;
          break;
        }
      }
      if (close < 0) {
        fail(syntaxError(n, 'unterminated quoted value'));
        break;
      }
      pos = close + 1;
      const raw = line.slice(open, pos);
      const value = hasEscape ? unquote(raw) : raw.slice(1, -1);
      if (value === undefined) {
        if (fail(syntaxError(pos, 'invalid quoted value'))) break;
        continue;
      }
      pairs.push({ key: key as string, value: value === '' ? undefined : value });
      continue;
    }
    const valueStart = pos;
    let bad: string | undefined;
    for (; pos < n; pos++) {
      const c = line.charCodeAt(pos);
      if (c === EQUALS || c === QUOTE) {
        bad = syntaxError(pos, `unexpected ${quoteByte(c)}`);
        skipValue();
        break;
      }
      if (c <= SPACE) break;
    }
    if (bad !== undefined) {
      if (fail(bad)) break;
      continue;
    }
    pairs.push({ key: key as string, value: line.slice(valueStart, pos) });
  }
  return firstError === undefined ? { pairs } : { pairs, error: firstError };
}
