// node bench/read-profile.js <file.cpuprofile> [top] [--areas]: self time per function, and per
// file; with --areas, per part of the export path instead (see AREAS), idle and the benchmark's
// own start-up (module loading, tsx, the corpus) left out of the total.
const fs = require('fs');
const prof = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv.slice(3).find((a) => !a.startsWith('--')) ?? 30);
const areas = process.argv.includes('--areas');
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
const counts = new Map();
for (let i = 0; i < prof.samples.length; i++)
  counts.set(prof.samples[i], (counts.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));

/** Parts of the export path, first match wins: [name, test on "function url"]. */
const AREAS = [
  ['(left out) idle', (f) => f === '(idle)'],
  [
    '(left out) start-up, benchmark',
    (f, u) =>
      /tsx\/dist|esbuild|node:internal\/modules\/|node:internal\/bootstrap|\/bench\/|source_map|readFileUtf8|internalModuleStat|wrapSafe|compileFunction|cjs-module-lexer|realpath|wasm:|node:internal\/fs|node:fs|node:path/.test(
        u + f
      ) || f === 'dlopen',
  ],
  ['garbage collection', (f) => f === '(garbage collector)'],
  [
    'ours: entry encoding',
    (f, u) => /wire\/entry-encoder/.test(u) || (/mapping\/loki-entry/.test(u) && /_encode|writePair|encoded/.test(f)),
  ],
  ['ours: mapping', (f, u) => /exporter\/build\/src\/mapping\//.test(u)],
  ['ours: limits', (f, u) => /exporter\/build\/src\/limits\//.test(u)],
  ['ours: grouping, nudging', (f, u) => /exporter\/build\/src\/streams\//.test(u)],
  ['ours: export(), retry buffer, metrics', (f, u) => /exporter\/build\/src\//.test(u)],
  ['ours: request writer, splitting', (f, u) => /push-request-writer|request-splitting/.test(u)],
  ['ours: snappy', (f, u) => /wire\/snappy/.test(u)],
  ['ours: push client, transport', (f, u) => /push\/build\/src\//.test(u)],
  ['OTLP: serializer', (f, u) => /otlp-transformer/.test(u)],
  ['OTLP: exporter', (f, u) => /otlp-exporter-base|exporter-logs-otlp/.test(u)],
  ['gzip', (f, u) => /zlib/.test(u) || /^(deflate|gzip|zlib)/i.test(f)],
  [
    'HTTP (node:http, sockets, writev)',
    (f, u) =>
      /node:(_http|http|net|internal\/(streams|stream_base|http))|undici/.test(u) ||
      f === 'writev' ||
      f === 'writeBuffer' ||
      f === 'writeUtf8String',
  ],
  ['OTel SDK', (f, u) => /@opentelemetry/.test(u)],
  ['other (event loop, promises, timers, buffers)', () => true],
];

let total = 0;
const files = new Map();
for (const [id, t] of counts) {
  const n = byId.get(id);
  const f = n.callFrame;
  const url = f.url.replace(/.*\/(packages|node_modules)\//, '$1/');
  const key = areas
    ? AREAS.find(([, test]) => test(f.functionName || '(anon)', f.url))[0]
    : `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const file = url || f.functionName;
  files.set(file, (files.get(file) ?? 0) + t);
  if (!key.startsWith('(left out)')) total += t;
}
const print = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`));
print(self);
if (!areas) {
  console.log('--- by file');
  print(files);
}
