#!/usr/bin/env node
// Entry point of the browser tests: `node end2end/run.mjs` (after `cargo leptos build`).
// Runs end2end/*.test.mjs with node's own test runner; the exit code is non-zero on any failure.
// Each test file starts its own `steward serve --demo` and chromium (see harness.mjs).

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join(here, f));

const started = Date.now();
const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...process.argv.slice(2), ...files],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the whole process group; a SIGTERM to this runner is passed on, so that the
// test process can stop its server.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = code === 0;
  console.log(`\nbrowser tests ${ok ? 'passed' : 'FAILED'} in ${seconds} s`);
  process.exit(ok ? 0 : code || (signal ? 1 : 1));
});
