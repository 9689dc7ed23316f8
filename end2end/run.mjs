#!/usr/bin/env node
// Entry point of the browser tests: `node end2end/run.mjs` (after `cargo leptos build`).
// Starts one `steward serve --demo` (see harness.mjs), runs end2end/*.test.mjs against it with
// node's own test runner, then stops the server and removes every temporary file, also when
// a test fails or the run is interrupted. The exit code is non-zero on any failure.
// Extra arguments go to `node --test`, e.g. `node end2end/run.mjs --test-name-pattern=search`.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join(here, f));

const started = Date.now();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'steward-e2e-'));
const cleanUp = async (server) => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
};

let server;
try {
  server = await startServer({ parent: tmp });
} catch (e) {
  console.error(`could not start the server: ${e.message}`);
  await cleanUp();
  process.exit(1);
}
console.log(`steward serving on ${server.url}`);

// The tests run in a process group of their own (node --test, the test file, chromium), so
// that an interruption can stop all of it at once.
const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...process.argv.slice(2), ...files],
  {
    stdio: 'inherit',
    detached: true,
    env: {
      ...process.env,
      STEWARD_E2E_URL: server.url,
      STEWARD_E2E_LOG: server.logFile,
      STEWARD_E2E_PASSWORD: server.password,
      STEWARD_E2E_TMP: tmp,
    },
  },
);

let interrupted = null;
const killTests = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    console.error(`\n${signal}: stopping the browser tests`);
    killTests('SIGTERM');
    setTimeout(() => killTests('SIGKILL'), 5_000).unref();
  });
}

child.on('exit', async (code) => {
  // Whatever is left of the group (a browser) goes too.
  killTests('SIGKILL');
  await cleanUp(server);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (interrupted) {
    console.error(`browser tests interrupted after ${seconds} s`);
    process.exit(interrupted === 'SIGINT' ? 130 : 143);
  }
  console.log(`\nbrowser tests ${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  process.exit(code === 0 ? 0 : 1);
});
