/**
 * Zero-code registration: `node --require @otel-loki/exporter/register app.js` (or
 * `--import` for ESM, through `register.mjs`) starts a NodeSDK whose logs go to Loki,
 * configured from the environment only. See `register-sdk.ts`.
 */
import { startFromEnvironment } from './register/register-sdk';

try {
  startFromEnvironment();
} catch (err) {
  // Telemetry must never stop the app from starting.
  process.emitWarning(
    `@otel-loki/exporter/register: could not start, logs are not sent to Loki: ${err instanceof Error ? err.message : String(err)}`,
    'OtelLokiWarning'
  );
}
