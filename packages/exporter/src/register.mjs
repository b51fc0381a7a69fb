// `node --import @otel-loki/exporter/register app.mjs`: the ESM face of the register entry.
// Hand-written (copied to build/esm by scripts/build-esm.mjs): it must install the ESM loader
// hook of @opentelemetry/instrumentation (import-in-the-middle) before the app's modules load,
// so that auto-instrumentation also patches modules the app `import`s (node:http, ...), then
// start the SDK through the CommonJS build (one copy of the code, loaded once).
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The hook's file, when the auto-instrumentations (and so @opentelemetry/instrumentation) are installed. */
function instrumentationHook() {
  const disabled = (process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
  if (disabled) return undefined;
  try {
    const auto = require.resolve('@opentelemetry/auto-instrumentations-node');
    return createRequire(auto).resolve('@opentelemetry/instrumentation/hook.mjs');
  } catch {
    return undefined;
  }
}

const hook = instrumentationHook();
if (hook !== undefined) register(pathToFileURL(hook), import.meta.url);
require('../src/register.js');
