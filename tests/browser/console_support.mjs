// SPDX-License-Identifier: Apache-2.0
// What the console's browser tests share: the command line (--server, --chromium, --out), the
// real server started on a free port, JSON calls to its API, playwright-core driving Debian's
// Chromium, a watch on every page for errors and warnings (CSP violations among them), waits
// that work under the console's Content-Security-Policy, screenshots and the no-sideways-
// scrolling check.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STEP_TIMEOUT_MS = 15_000;

export function option(name, envName, fallback) {
  const i = process.argv.indexOf(name);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  return (envName && process.env[envName]) || fallback;
}

export const serverPath = path.resolve(
  option('--server', 'AIRSQL_SERVER', path.join(repoRoot, 'build', 'server', 'airsql-server')));
export const chromiumPath = option('--chromium', 'CHROMIUM', '/usr/bin/chromium');
export const outDir = path.resolve(option('--out', null, path.join(process.cwd(), 'console-output')));

export const started = Date.now();
export const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

export class TestFailure extends Error {}
export function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

// ---- the server ------------------------------------------------------------------------------

export const serverLog = [];
function rememberLog(chunk) {
  serverLog.push(...chunk.toString().split('\n').filter(Boolean));
  if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
}

export async function startServer(dataDir, extraArgs = []) {
  check(fs.existsSync(serverPath), `airsql-server not found: ${serverPath} (pass --server PATH)`);
  const proc = spawn(serverPath, ['--port', '0', '--data-dir', dataDir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.on('data', rememberLog);
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new TestFailure('the server did not print its address in 10 s')), 10_000);
    const onData = (chunk) => {
      rememberLog(chunk);
      out += chunk.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.on('data', rememberLog);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new TestFailure(`the server exited before listening (code ${code}, signal ${signal})`));
    });
  });
  return { proc, baseUrl };
}

export async function stopServer(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function api(baseUrl, method, urlPath, { body, token, expect = 200 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(baseUrl + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const expected = Array.isArray(expect) ? expect : [expect];
  check(expected.includes(res.status), `${method} ${urlPath}: HTTP ${res.status}, expected ${expected.join(' or ')}: ${text.slice(0, 500)}`);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}


// ---- the browser -------------------------------------------------------------------------------

export function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'tools', 'node', 'package.json'));
  try {
    return require('playwright-core');
  } catch (e) {
    throw new TestFailure(`playwright-core is not installed in tools/node (run scripts/install-deps --test): ${e.message}`);
  }
}

// Page errors, console errors (CSP violations among them) and failed requests are problems;
// `allowed` lists expected HTTP errors (a regexp over "STATUS METHOD URL").
export function watchPage(page, name, problems, allowed = /^$/) {
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.stack || e.message}`));
  page.on('console', (msg) => {
    // Warnings too: the grid library warns about options it does not know.
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    if (/favicon\.ico/.test(msg.text()) || /Failed to load resource/.test(msg.text())) return;
    problems.push(`${name}: console ${msg.type()}: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (/favicon\.ico/.test(req.url()) || /download/.test(req.url())) return;
    problems.push(`${name}: request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    const what = `${res.status()} ${res.request().method()} ${res.url()}`;
    if (res.status() >= 400 && !/favicon\.ico/.test(res.url()) && !allowed.test(what)) {
      problems.push(`${name}: HTTP ${what}`);
    }
  });
}

// A save of a function runs `deno check`: seconds on an idle machine, much more under a loaded CI.
export const CHECK_TIMEOUT_MS = 90_000;

export const wait = (page, selector, what, state = 'visible', timeout = STEP_TIMEOUT_MS) => page.locator(selector).first()
  .waitFor({ state, timeout })
  .catch(async () => {
    const body = await page.innerText('body').catch(() => '(no body)');
    throw new TestFailure(`${what}: ${selector} did not appear; the page shows:\n${body.slice(0, 800)}`);
  });

// Waits until fn(arg) is true in the page. Not page.waitForFunction: under the console's
// Content-Security-Policy (no 'unsafe-eval') its polling would be refused; page.evaluate is not
// subject to it. Polls every 50 ms until STEP_TIMEOUT_MS.
export async function waitFor(page, fn, arg, what) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (await page.evaluate(fn, arg).catch(() => false)) return;
    if (Date.now() > deadline) {
      const body = await page.innerText('body').catch(() => '(no body)');
      throw new TestFailure(`${what}; the page shows:\n${body.slice(0, 800)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: false, timeout: 5_000 });
}

// The page fits its viewport: no sideways scrolling of the page itself (grids scroll inside).
export async function checkNoOverflow(page, what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(scroll <= width + 1, `${what}: the page is ${scroll}px wide in a ${width}px window`);
}

