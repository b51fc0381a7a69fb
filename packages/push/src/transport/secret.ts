/** A value that must never be printed: inspection, JSON and string conversion show `[redacted]`. */
import { INSPECT_CUSTOM } from './transport-types';

const REDACTED = '[redacted]';

/** Holds credentials (auth headers, TLS keys) so that logging a config object leaks nothing. */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The value itself, for the code that sends it. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [INSPECT_CUSTOM](): string {
    return REDACTED;
  }
}
