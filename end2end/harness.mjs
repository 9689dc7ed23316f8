// The browser tests' fixtures: a real `steward serve --demo` on a free port with a throwaway
// SQLite file, one headless chromium (Debian's, driven by playwright-core), and small helpers.
// Nothing here sleeps for a fixed time: every wait polls a condition until a deadline.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import axe from 'axe-core';
import { chromium } from 'playwright-core';
import { FAKE_GITHUB_TOKEN, startFakeGithub } from './fake_github.mjs';

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
 * Starts `steward serve --demo` and resolves once GET /readyz answers 200. Its database and log
 * go to a new directory under `parent`. The returned object has `url`, `logFile`, `log()` (the
 * server's output so far) and `stop()` (SIGTERM, wait for the exit, remove the directory).
 */
export async function startServer({ parent = os.tmpdir() } = {}) {
  const bin = stewardBin();
  const site = siteRoot();
  if (!existsSync(bin)) {
    throw new Error(`no server binary at ${bin}: run \`cargo leptos build\` first (or set STEWARD_BIN)`);
  }
  // cargo-leptos names the wasm steward.wasm; a plain wasm-bindgen build, steward_bg.wasm.
  const missing = [['pkg/steward.js'], ['pkg/steward.wasm', 'pkg/steward_bg.wasm']].filter(
    (choices) => !choices.some((f) => existsSync(path.join(site, f))),
  );
  if (missing.length) {
    throw new Error(
      `no ${missing.map((c) => c.join(' or ')).join(', ')} under ${site}: ` +
        'run `cargo leptos build` first (or set STEWARD_SITE_ROOT)',
    );
  }
  const tmp = mkdtempSync(path.join(parent, 'steward-e2e-server-'));
  // Future fixes are filed on a fake GitHub of this process.
  const github = await startFakeGithub();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(tmp, 'server.log');
  const out = openSync(logFile, 'a');
  // The demo accounts' password, fresh for every run.
  const password = `e2e-${randomUUID()}`;
  const child = spawn(
    bin,
    ['serve', '--demo', '--bind', `127.0.0.1:${port}`, '--database-url', `sqlite://${path.join(tmp, 'steward.db')}`],
    {
      // A directory of its own, so that no steward.toml of the developer's checkout applies.
      cwd: tmp,
      env: {
        ...process.env,
        STEWARD_SITE_ROOT: site,
        STEWARD_DEMO_PASSWORD: password,
        STEWARD_GITHUB_API_URL: github.url,
        STEWARD_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
        // No package registry on the internet is asked during the browser tests.
        STEWARD_REGISTRY_CRATES_URL: `${github.url}/registries/crates`,
        STEWARD_REGISTRY_NPM_URL: `${github.url}/registries/npm`,
        STEWARD_REGISTRY_PYPI_URL: `${github.url}/registries/pypi`,
        STEWARD_REGISTRY_GO_URL: `${github.url}/registries/go`,
        RUST_LOG: process.env.RUST_LOG ?? 'info',
        NO_COLOR: '1',
      },
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
  // Never leave a server behind when this process ends without `stop()` (run.mjs also turns
  // SIGINT and SIGTERM into a proper stop).
  const killOnExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    await github.close();
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
  return { url, port, logFile, log, stop, password };
}

/**
 * The server run.mjs started (STEWARD_E2E_URL, STEWARD_E2E_LOG), or a new one when the test
 * file runs alone (`node --test end2end/steward.test.mjs`).
 */
export async function useServer() {
  const url = process.env.STEWARD_E2E_URL;
  if (!url) return startServer();
  const logFile = process.env.STEWARD_E2E_LOG;
  const log = () => {
    try {
      return logFile ? readFileSync(logFile, 'utf8') : '';
    } catch {
      return '';
    }
  };
  return { url, logFile, log, stop: async () => {}, password: process.env.STEWARD_E2E_PASSWORD };
}

/**
 * Signs `handle` in through the API and returns the session cookie (`name=value`), for
 * requests made from the test process itself.
 */
export async function signInCookie(server, handle) {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password: server.password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${handle} answered ${res.status}: ${await res.text()}`);
  return res.headers.get('set-cookie').split(';')[0];
}

/** Signs `handle` in within a browser context (its cookie jar), as the sign-in page would. */
export async function signInContext(context, server, handle) {
  const res = await context.request.post(`${server.url}/api/v1/session`, {
    data: { handle, password: server.password },
  });
  if (res.status() !== 200) throw new Error(`sign-in of ${handle} answered ${res.status()}`);
}

/**
 * Debian's chromium, headless, with a fresh profile directory (removed by `close()`) under
 * STEWARD_E2E_TMP (run.mjs removes that one in any case) or the system's temp directory.
 */
export async function launchBrowser() {
  const parent = process.env.STEWARD_E2E_TMP ?? os.tmpdir();
  const profile = mkdtempSync(path.join(parent, 'steward-e2e-chromium-'));
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

/**
 * Opens `path` of the UI in `page` and waits until the wasm has hydrated it; a page that
 * throws instead (a panic during hydration) fails at once.
 */
export async function openPage(server, page, path) {
  let onError;
  const threw = new Promise((_, reject) => {
    onError = (e) =>
      reject(
        new Error(
          `${path} threw instead of hydrating: ${e.message} (is target/site from the same ` +
            '`cargo leptos build` as the server? A release build overwrites a debug one there.)',
        ),
      );
    page.on('pageerror', onError);
  });
  threw.catch(() => {});
  try {
    const res = await Promise.race([page.goto(`${server.url}${path}`), threw]);
    assert.equal(res.status(), 200, `GET ${path}`);
    await Promise.race([page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' }), threw]);
  } finally {
    page.off('pageerror', onError);
  }
}

/**
 * The `e2e(name, fn, { context })` of a test file: a test with a fresh page of `context()`
 * (default `defaultContext()`); an uncaught exception in the page fails it. On failure it
 * saves a screenshot to end2end/test-results/ and reports the page's errors and the tail of
 * the log of `getServer()`.
 */
export function pageTests(getServer, defaultContext) {
  return (name, fn, { context = defaultContext } = {}) =>
    test(name, { timeout: 45_000 }, async (t) => {
      const page = await context().newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(`uncaught in page: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
      });
      try {
        await fn(page);
        const uncaught = problems.filter((p) => p.startsWith('uncaught'));
        assert.deepEqual(uncaught, [], 'the page threw');
      } catch (error) {
        const shot = screenshotPath(name);
        await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
        t.diagnostic(`url: ${page.url()}`);
        t.diagnostic(`screenshot: ${shot}`);
        for (const p of problems) t.diagnostic(`browser: ${p}`);
        for (const line of getServer().log().trimEnd().split('\n').slice(-15)) t.diagnostic(`server: ${line}`);
        throw error;
      } finally {
        await page.close();
      }
    });
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on what `page` shows now and fails with every
 * violation and where it is.
 */
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: axe.source });
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const violations = result.violations.map(
    (v) => `${v.id} (${v.help}): ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(violations, [], `${what}: accessibility violations`);
}
