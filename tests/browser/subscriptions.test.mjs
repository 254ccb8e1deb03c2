// SPDX-License-Identifier: Apache-2.0
// A live GraphQL subscription in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tools/node): a page signs in (session cookie), opens a native WebSocket
// to /dbs/<id>/graphql with the graphql-transport-ws subprotocol — the cookie is its only
// credential, checked with the page's Origin — subscribes to a live query, and sees the row a
// write over HTTP adds. A second socket on the read-only URL sees it too.
//
// Usage: node tests/browser/subscriptions.test.mjs [--server PATH] [--chromium PATH]
// Exit code 0 and "PASS: live subscription in Chromium" on success.

import { spawn } from 'node:child_process';
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

async function api(baseUrl, method, urlPath, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(baseUrl + urlPath, { method, headers, body: body && JSON.stringify(body) });
  const text = await res.text();
  check(res.ok, `${method} ${urlPath}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

// In the page: a native WebSocket speaking graphql-transport-ws; results go to window[name].
function subscribeInPage({ url, name }) {
  window[name] = { messages: [], close: null };
  const ws = new WebSocket(url, 'graphql-transport-ws');
  ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init' }));
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    window[name].messages.push(m);
    if (m.type === 'connection_ack') {
      ws.send(JSON.stringify({ id: 'live', type: 'subscribe',
        payload: { query: 'subscription { notes(order_by: [{id: ASC}]) { body } }' } }));
    }
  };
  ws.onclose = (e) => { window[name].close = e.code; };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airsql-subs-'));
  const { proc, baseUrl } = await startServer(path.join(tmp, 'data'));
  let browser;
  try {
    await api(baseUrl, 'POST', '/api/users', { username: 'ada', email_address: 'ada@example.org', password: 'correct horse battery' });
    const { sessionToken } = await api(baseUrl, 'POST', '/api/login', { username: 'ada', password: 'correct horse battery' });
    const db = await api(baseUrl, 'POST', '/api/dbs', { name: 'live', team: 'ada',
      query: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('first')" }, sessionToken);
    const info = await api(baseUrl, 'GET', `/api/dbs/${db.id}`, undefined, sessionToken);
    const readonlyId = info.readonly_id ?? info.readonlyId;

    const require = createRequire(path.join(repoRoot, 'tools', 'node', 'package.json'));
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/api/status`);
    // Sign in from the page: the session cookie is the socket's only credential.
    const login = await page.evaluate(async () => (await fetch('/api/login', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'correct horse battery' }) })).status);
    check(login === 200, `sign-in from the page: HTTP ${login}`);
    const wsBase = baseUrl.replace(/^http/, 'ws');
    await page.evaluate(subscribeInPage, { url: `${wsBase}/dbs/${db.id}/graphql`, name: 'owner' });
    await page.evaluate(subscribeInPage, { url: `${wsBase}/readonly/${readonlyId}/graphql`, name: 'reader' });
    const nexts = (name, n) => page.waitForFunction(([k, count]) =>
      window[k].messages.filter((m) => m.type === 'next').length >= count, [name, n], { timeout: 15_000 });
    await nexts('owner', 1);
    await nexts('reader', 1);
    await api(baseUrl, 'POST', `/dbs/${db.id}/graphql`,
      { query: 'mutation { insert_notes(objects: [{body: "second"}]) { affected_rows } }' }, sessionToken);
    await nexts('owner', 2);
    await nexts('reader', 2);
    for (const name of ['owner', 'reader']) {
      const seen = await page.evaluate((k) => window[k].messages, name);
      const results = seen.filter((m) => m.type === 'next').map((m) => m.payload);
      check(JSON.stringify(results) === JSON.stringify([
        { data: { notes: [{ body: 'first' }] } },
        { data: { notes: [{ body: 'first' }, { body: 'second' }] } },
      ]), `${name}: unexpected results ${JSON.stringify(seen)}`);
    }
    console.log('PASS: live subscription in Chromium');
  } finally {
    if (browser) await browser.close();
    proc.kill('SIGTERM');
  }
}

main().catch((e) => { console.error(`FAIL: ${e.stack || e.message}`); process.exit(1); });
