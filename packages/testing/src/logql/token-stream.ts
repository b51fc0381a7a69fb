/** The token cursor of the LogQL parsers, with goyacc's error texts. */
import { LogqlParseError, LogqlQueryError } from './errors';
import { describeToken } from './lexer';
import type { Token } from './lexer';

/** Token cursor shared by the expression and stage parsers. */
export class TokenStream {
  private _at = 0;
  /** The first error of a construct that parsed (Loki reports it only once the whole query parses). */
  deferred?: LogqlParseError;
  execution?: LogqlQueryError;

  constructor(
    readonly input: string,
    private readonly _tokens: Token[]
  ) {}

  get peek(): Token {
    return this._tokens[this._at];
  }

  peekAt(offset: number): Token {
    return this._tokens[Math.min(this._at + offset, this._tokens.length - 1)];
  }

  next(): Token {
    const token = this._tokens[this._at];
    if (this._at < this._tokens.length - 1) this._at++;
    return token;
  }

  accept(type: string): Token | undefined {
    return this.peek.type === type ? this.next() : undefined;
  }

  expect(type: string, expecting?: string): Token {
    if (this.peek.type !== type) this.fail(expecting);
    return this.next();
  }

  /** goyacc's `syntax error: unexpected X[, expecting A or B]` at the current token. */
  fail(expecting?: string): never {
    const found = describeToken(this.peek);
    const message = `syntax error: unexpected ${found}${expecting ? `, expecting ${expecting}` : ''}`;
    throw LogqlParseError.at(this.input, this.peek.index, message);
  }

  defer(message: string): void {
    this.deferred ??= new LogqlParseError(message);
  }

  /** An error Loki meets only when it builds the pipeline, after parsing and validation (500, plain text). */
  deferToExecution(message: string): void {
    this.execution ??= new LogqlQueryError(message, 500);
  }
}

/** The current token type, read without TypeScript's narrowing from earlier comparisons. */
export function peekType(ts: TokenStream): string {
  return ts.peek.type;
}

/** `(a, b)`: the labels of a grouping or of `on`/`ignoring`. */
export function parseLabelList(ts: TokenStream): string[] {
  ts.expect('OPEN_PARENTHESIS');
  const labels: string[] = [];
  if (ts.accept('CLOSE_PARENTHESIS')) return labels;
  // Bounded: every pass consumes a label.
  for (;;) {
    labels.push(ts.expect('IDENTIFIER').str);
    if (ts.accept('CLOSE_PARENTHESIS')) return labels;
    ts.expect('COMMA', ', or )');
  }
}
