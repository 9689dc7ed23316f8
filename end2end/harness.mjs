// The browser tests' fixtures: a real `steward serve --demo` on a free port with a throwaway
// SQLite file, one headless chromium (Debian's, driven by playwright-core), and small helpers.
// Nothing here sleeps for a fixed time: every wait polls a condition until a deadline.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');
export const resultsDir = path.join(here, 'test-results');

/** The server binary: $STEWARD_BIN, else $CARGO_TARGET_DIR/debug/steward, else ./target/debug/steward. */
export function stewardBin() {
  if (process.env.STEWARD_BIN) return path.resolve(process.env.STEWARD_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, 'target');
  return path.join(targetDir, 'debug', 'steward');
}

/** The site cargo-leptos builds (pkg/steward.js, pkg/steward_bg.wasm, pkg/steward.css). */
export function siteRoot() {
  return path.resolve(process.env.STEWARD_SITE_ROOT ?? path.join(repoRoot, 'target', 'site'));
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` (async, truthy = done) every `interval` ms until `timeout` ms have passed. */
export async function until(what, check, { timeout = 10_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Starts `steward serve --demo` and resolves once GET /readyz answers 200. The returned object
 * has `url`, `log()` (the server's output so far) and `stop()` (SIGTERM, wait, remove temp dir).
 */
export async function startServer() {
  const bin = stewardBin();
  const site = siteRoot();
  if (!existsSync(bin)) {
    throw new Error(`no server binary at ${bin}: run \`cargo leptos build\` first (or set STEWARD_BIN)`);
  }
  for (const f of ['pkg/steward.js', 'pkg/steward_bg.wasm']) {
    if (!existsSync(path.join(site, f))) {
      throw new Error(`no ${f} under ${site}: run \`cargo leptos build\` first (or set STEWARD_SITE_ROOT)`);
    }
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'steward-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(tmp, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    bin,
    ['serve', '--demo', '--bind', `127.0.0.1:${port}`, '--database-url', `sqlite://${path.join(tmp, 'steward.db')}`],
    {
      // A directory of its own, so that no steward.toml of the developer's checkout applies.
      cwd: tmp,
      env: { ...process.env, STEWARD_SITE_ROOT: site, RUST_LOG: process.env.RUST_LOG ?? 'info' },
      stdio: ['ignore', out, out],
    },
  );
  let exited = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  // Never leave a server behind, even when the runner is interrupted.
  const killOnExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  // Signals skip 'exit' handlers: stop the server first, then end as the signal would have
  // (unless someone else, e.g. Playwright's own handler, is there to do that).
  const onSignal = (signal) => {
    killOnExit();
    if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await until(
      `${url}/readyz`,
      async () => {
        if (exited) throw new Error(`the server exited early (${JSON.stringify(exited)})`);
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200;
      },
      { timeout: 30_000, interval: 100 },
    );
  } catch (e) {
    const output = log();
    await stop();
    throw new Error(`${e.message}\n--- server output ---\n${output}`);
  }
  return { url, port, log, stop };
}

/** Debian's chromium, headless, with a fresh profile directory (removed by `close()`). */
export async function launchBrowser() {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'steward-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A file name for a test's screenshot. */
export function screenshotPath(testName) {
  mkdirSync(resultsDir, { recursive: true });
  const safe = testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return path.join(resultsDir, `${safe}.png`);
}
