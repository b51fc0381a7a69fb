/**
 * Zero-code registration: `node --require @otel-loki/exporter/register app.js` (or
 * `--import` for ESM, through `register.mjs`) starts a NodeSDK whose logs go to Loki,
 * configured from the environment only. See `register-sdk.ts`.
 */
import { startFromEnvironment } from './register-sdk';

startFromEnvironment();
