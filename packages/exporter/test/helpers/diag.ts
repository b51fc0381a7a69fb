/** Captures what the exporter reports through `diag` (it logs through a component logger). */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import * as sinon from 'sinon';

/** Spies for every level; call `diag.disable()` after the test (done by `restoreDiag`). */
export interface DiagSpies {
  error: sinon.SinonSpy;
  warn: sinon.SinonSpy;
  info: sinon.SinonSpy;
  debug: sinon.SinonSpy;
  verbose: sinon.SinonSpy;
  /** Every warn message so far. */
  warnings(): string[];
}

/** Installs spying diag logger at ALL level. */
export function captureDiag(): DiagSpies {
  const spies = {
    error: sinon.spy(),
    warn: sinon.spy(),
    info: sinon.spy(),
    debug: sinon.spy(),
    verbose: sinon.spy(),
  };
  diag.setLogger(spies, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return { ...spies, warnings: () => spies.warn.getCalls().map((c) => c.args.map(String).join(' ')) };
}

/** Removes the spying logger. */
export function restoreDiag(): void {
  diag.disable();
}
