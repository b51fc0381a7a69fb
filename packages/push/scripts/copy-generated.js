#!/usr/bin/env node
// tsc does not copy the generated JavaScript: put it beside the compiled code.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const from = path.resolve(__dirname, '../src/generated');
const to = path.resolve(__dirname, '../build/src/generated');
fs.mkdirSync(to, { recursive: true });
for (const file of fs.readdirSync(from)) fs.copyFileSync(path.join(from, file), path.join(to, file));
