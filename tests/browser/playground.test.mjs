// SPDX-License-Identifier: Apache-2.0
// The GraphiQL playground in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tools/node): the read-only playground runs its default query, and the
// authenticated playground (session cookie) runs a mutation whose row is then checked over HTTP;
// a visitor without a session signs in on the page (wrong password first), runs the default
// query, signs out; another uses an API token typed into the page, and runs a subscription that
// shows a row written afterwards.
//
// Usage: node tests/browser/playground.test.mjs [--server PATH] [--chromium PATH]
//   server:   --server, else $AIRSQL_SERVER, else build/server/airsql-server
//   chromium: --chromium, else $CHROMIUM, else /usr/bin/chromium
// Exit code 0 on success; on failure a message, the server's last log lines and screenshots
// (their folder is printed) and a non-zero exit code. Needs `scripts/install-deps --test`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 90_000;

function option(name, envName, fallback) {
  const i = process.argv.indexOf(name);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[envName] || fallback;
}

const serverPath = path.resolve(
  option('--server', 'AIRSQL_SERVER', path.join(repoRoot, 'build', 'server', 'airsql-server')));
const chromiumPath = option('--chromium', 'CHROMIUM', '/usr/bin/chromium');

const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

class TestFailure extends Error {}
function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

// ---- the server ------------------------------------------------------------------------------

const serverLog = [];
function rememberLog(chunk) {
  serverLog.push(...chunk.toString().split('\n').filter(Boolean));
  if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
}

async function startServer(dataDir) {
  check(fs.existsSync(serverPath), `airsql-server not found: ${serverPath} (pass --server PATH)`);
  const proc = spawn(serverPath, ['--port', '0', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
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

async function stopServer(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function api(baseUrl, method, urlPath, { body, token, expect = 200 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(baseUrl + urlPath, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const expected = Array.isArray(expect) ? expect : [expect];
  check(expected.includes(res.status),
    `${method} ${urlPath}: HTTP ${res.status}, expected ${expected.join(' or ')}: ${text.slice(0, 500)}`);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

// ---- the browser -------------------------------------------------------------------------------

function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'tools', 'node', 'package.json'));
  try {
    return require('playwright-core');
  } catch (e) {
    throw new TestFailure(
      `playwright-core is not installed in tools/node (run scripts/install-deps --test): ${e.message}`);
  }
}

// Records page errors and console errors of a page; favicon 404s are not errors of the playground.
function watchPage(page, name, problems) {
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.stack || e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url || '';
    if (/favicon\.ico/.test(where) || /favicon\.ico/.test(msg.text())) return;
    problems.push(`${name}: console error: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('requestfailed', (req) => {
    if (/favicon\.ico/.test(req.url())) return;
    problems.push(`${name}: request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !/favicon\.ico/.test(res.url())) {
      problems.push(`${name}: HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
    }
  });
}

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';
const EXECUTE_BUTTON = 'button.graphiql-execute-button';

// The text of a CodeMirror 5 editor of GraphiQL (the whole document, not only the drawn lines).
function editorText(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    return el.CodeMirror ? el.CodeMirror.getValue() : el.innerText;
  }, selector);
}

// Opens a playground and waits for GraphiQL to render: the query editor visible, holding `expectedQuery`.
async function openPlayground(page, url, expectedQuery) {
  const res = await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
  check(res && res.ok(), `GET ${url}: HTTP ${res?.status()}: ${(await res?.text())?.slice(0, 300)}`);
  try {
    await page.locator(QUERY_EDITOR).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await page.locator(EXECUTE_BUTTON).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new TestFailure(`GraphiQL did not render its query editor and run button at ${url} in ` +
      `${STEP_TIMEOUT_MS / 1000} s; the page shows: ${(await page.innerText('body')).slice(0, 300)}`);
  }
  if (expectedQuery !== undefined) {
    try {
      await page.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.CodeMirror?.getValue().trim() === want.trim(),
        [QUERY_EDITOR, expectedQuery], { timeout: STEP_TIMEOUT_MS });
    } catch {
      throw new TestFailure(`the query editor does not hold the default query.\nwanted:\n${expectedQuery}\n` +
        `found:\n${await editorText(page, QUERY_EDITOR)}`);
    }
  }
}

// Clicks the run button and waits until the response editor satisfies `accept(text)`.
async function runAndWait(page, accept, what) {
  await page.locator(EXECUTE_BUTTON).click();
  try {
    await page.waitForFunction(
      ([sel, source]) => {
        const text = document.querySelector(sel)?.CodeMirror?.getValue() ?? '';
        return new Function('text', source)(text);
      },
      [RESPONSE_EDITOR, `return (${accept.toString()})(text);`], { timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new TestFailure(`the result pane did not show ${what}; it shows:\n` +
      `${(await editorText(page, RESPONSE_EDITOR)) ?? '(no result pane)'}`);
  }
  return editorText(page, RESPONSE_EDITOR);
}

// ---- the test ----------------------------------------------------------------------------------

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airsql-playground-'));
  const dataDir = path.join(tmp, 'data');
  const shotsDir = path.join(tmp, 'screenshots');
  fs.mkdirSync(dataDir);
  let server;
  let browser;
  const pages = [];
  const problems = [];
  let failed = false;

  const watchdog = setTimeout(() => {
    console.error(`FAIL: the test took longer than ${WATCHDOG_MS / 1000} s`);
    server?.proc.kill('SIGKILL');
    process.exit(3);
  }, WATCHDOG_MS);

  try {
    check(fs.existsSync(chromiumPath),
      `Chromium not found at ${chromiumPath} (apt-get install chromium, or scripts/install-deps --test)`);
    const { chromium } = loadPlaywright();

    server = await startServer(dataDir);
    const { baseUrl } = server;
    log(`server at ${baseUrl}`);

    // A user, a session, and a database with two songs.
    const username = `player${process.pid}`;
    const password = 'correct horse battery';
    await api(baseUrl, 'POST', '/api/users',
      { body: { username, email_address: `${username}@example.com`, password }, expect: [200, 201] });
    const login = await api(baseUrl, 'POST', '/api/login', { body: { username, password } });
    const token = login?.sessionToken;
    check(typeof token === 'string' && token.length > 0, `POST /api/login gave no sessionToken: ${JSON.stringify(login)}`);
    const created = await api(baseUrl, 'POST', '/api/dbs', {
      token, expect: [200, 201],
      body: {
        name: 'music', team: username,
        query: "CREATE TABLE songs (title TEXT, year INTEGER); INSERT INTO songs VALUES ('Come Together', 1969), ('Jailhouse Rock', 1957);",
      },
    });
    const dbId = created?.id;
    check(typeof dbId === 'string', `POST /api/dbs gave no id: ${JSON.stringify(created)}`);
    const info = await api(baseUrl, 'GET', `/api/dbs/${dbId}`, { token });
    const readonlyId = info?.readonlyId;
    check(typeof readonlyId === 'string', `GET /api/dbs/${dbId} gave no readonlyId: ${JSON.stringify(info)}`);
    const defaultQueryRes = await fetch(`${baseUrl}/readonly/${readonlyId}/playground/default-query`);
    const defaultQuery = await defaultQueryRes.text();
    check(defaultQueryRes.ok && /songs/.test(defaultQuery),
      `GET /readonly/${readonlyId}/playground/default-query: HTTP ${defaultQueryRes.status}: ${defaultQuery}`);
    log(`database ${dbId}, read-only id ${readonlyId}`);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: STEP_TIMEOUT_MS,
      // playwright adds --headless and a new, empty --user-data-dir of its own (it refuses one in
      // args). No background connections (the machine's network is closed), no QUIC, no GPU, and
      // no sandbox (tests may run as root).
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    log(`Chromium ${browser.version()}`);

    // 1. The read-only playground runs its default query.
    const readonlyContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const ro = await readonlyContext.newPage();
    pages.push(['readonly', ro]);
    watchPage(ro, 'read-only playground', problems);
    await openPlayground(ro, `${baseUrl}/readonly/${readonlyId}/graphql`, defaultQuery);
    log('read-only playground rendered with the default query');
    const roResult = await runAndWait(ro,
      (text) => text.includes('Come Together') && text.includes('Jailhouse Rock'),
      'the two songs');
    check(!/"errors"/.test(roResult), `the read-only query returned errors:\n${roResult}`);
    log('read-only query ran: both songs in the result pane');

    // 2. The authenticated playground (session cookie) runs a mutation.
    const authContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await authContext.addCookies([{ name: 'airsql_session', value: token, url: baseUrl }]);
    const rw = await authContext.newPage();
    pages.push(['authenticated', rw]);
    watchPage(rw, 'authenticated playground', problems);
    await openPlayground(rw, `${baseUrl}/dbs/${dbId}/graphql`, defaultQuery);
    log('authenticated playground rendered');

    const mutation = 'mutation { insert_songs(objects: [{title: "Bad Romance", year: 2009}]) { affected_rows } }';
    // Replace the query as a user would: select all in the editor and type over it.
    await rw.locator(QUERY_EDITOR).click();
    await rw.keyboard.press('Control+A');
    await rw.keyboard.insertText(mutation);
    const typed = await editorText(rw, QUERY_EDITOR);
    check(typed.trim() === mutation, `the query editor holds, after typing the mutation:\n${typed}`);
    // GraphiQL parses the editor 100 ms after the last edit (a debounce) and a run before that
    // sends the old operationName ("songsQuery"), which the server rightly refuses: wait until
    // the editor's parsed operations are the mutation, as a user's pause would.
    try {
      await rw.waitForFunction((sel) => {
        const ops = document.querySelector(sel)?.CodeMirror?.operations;
        return Array.isArray(ops) && ops.length === 1 && ops[0].operation === 'mutation';
      }, QUERY_EDITOR, { timeout: STEP_TIMEOUT_MS });
    } catch {
      throw new TestFailure('GraphiQL did not parse the typed mutation');
    }
    const rwResult = await runAndWait(rw,
      (text) => /"affected_rows":\s*1\b/.test(text) || /"errors"/.test(text),
      '"affected_rows": 1');
    check(/"affected_rows": 1\b/.test(rwResult) && !/"errors"/.test(rwResult),
      `the mutation did not report "affected_rows": 1:\n${rwResult}`);
    log('mutation ran: "affected_rows": 1 in the result pane');

    // 3. The row is really there.
    const rows = await api(baseUrl, 'POST', `/dbs/${dbId}/graphql`,
      { token, body: { query: '{ songs(filter: {title: {eq: "Bad Romance"}}) { title year } }' } });
    const songs = rows?.data?.songs;
    check(Array.isArray(songs) && songs.length === 1 && songs[0].title === 'Bad Romance' && songs[0].year === 2009,
      `over HTTP, "Bad Romance" (2009) is not in songs: ${JSON.stringify(rows)}`);
    log('over HTTP: the inserted row exists');

    // 4. A visitor without a session gets the sign-in page, signs in with a password, lands in
    //    the playground, runs the default query, and signs out again.
    const pageUrl = `${baseUrl}/dbs/${dbId}/graphql`;
    const signinProblems = [];
    const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const visitor = await visitorContext.newPage();
    pages.push(['sign-in', visitor]);
    watchPage(visitor, 'sign-in', signinProblems);
    const first = await visitor.goto(pageUrl, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    check(first?.status() === 401, `GET ${pageUrl} without a session: HTTP ${first?.status()}, not 401`);
    await visitor.locator('#username').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await visitor.fill('#username', username);
    await visitor.fill('#password', 'wrong password');
    await visitor.click('#signin-submit');
    await visitor.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0,
      null, { timeout: STEP_TIMEOUT_MS });
    log(`a wrong password is refused: "${await visitor.textContent('#signin-error')}"`);
    await visitor.fill('#password', password);
    await Promise.all([
      visitor.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
      visitor.click('#signin-submit'),
    ]);
    await visitor.locator(QUERY_EDITOR).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await visitor.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.CodeMirror?.getValue().trim() === want.trim(),
      [QUERY_EDITOR, defaultQuery], { timeout: STEP_TIMEOUT_MS });
    log('signed in with the form: the playground shows the default query');
    const signedInResult = await runAndWait(visitor, (text) => text.includes('Bad Romance'), 'the songs');
    check(!/"errors"/.test(signedInResult), `the signed-in query returned errors:\n${signedInResult}`);
    await Promise.all([
      visitor.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
      visitor.click('#signout'),
    ]);
    await visitor.locator('#username').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    log('signed out: the sign-in form again');

    // 5. An API token typed into the sign-in page goes into GraphiQL's header editor.
    const readToken = (await api(baseUrl, 'POST', '/api/tokens', {
      token, expect: [200, 201],
      body: { name: 'playground', description: '', expiration_utc: null, team_name: username,
        permissions: [{ db_id: dbId, name: 'read' }] },
    }))?.body;
    check(typeof readToken === 'string', 'POST /api/tokens gave no token body');
    const tokenContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const withToken = await tokenContext.newPage();
    pages.push(['token', withToken]);
    watchPage(withToken, 'token', signinProblems);
    await withToken.goto(pageUrl, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await withToken.fill('#token', readToken);
    await withToken.click('#token-submit');
    await withToken.locator(QUERY_EDITOR).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await withToken.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.CodeMirror?.getValue().trim() === want.trim(),
      [QUERY_EDITOR, defaultQuery], { timeout: STEP_TIMEOUT_MS });
    const tokenResult = await runAndWait(withToken, (text) => text.includes('Come Together'), 'the songs');
    check(!/"errors"/.test(tokenResult), `the token's query returned errors:\n${tokenResult}`);
    log('with an API token: the playground runs the default query');

    // 6. A subscription in the playground goes over the WebSocket (graphql-ws, the token as
    // connectionParams): its first result, then a new one after a write.
    await withToken.evaluate((sel) => {
      document.querySelector(sel).CodeMirror.setValue('subscription songsLive { songs { title } }');
    }, QUERY_EDITOR);
    await withToken.waitForTimeout(500);  // GraphiQL takes the new operation's name after a pause
    const firstLive = await runAndWait(withToken,
      (text) => text.includes('Come Together') || /"errors"/.test(text), 'the live result');
    check(!/"errors"/.test(firstLive), `the subscription returned errors:\n${firstLive}`);
    await api(baseUrl, 'POST', `/dbs/${dbId}/sql`, {
      token, body: { query: "INSERT INTO songs VALUES ('Here Comes the Sun', 1969)" } });
    try {
      await withToken.waitForFunction(
        (sel) => (document.querySelector(sel)?.CodeMirror?.getValue() ?? '').includes('Here Comes the Sun'),
        RESPONSE_EDITOR, { timeout: STEP_TIMEOUT_MS });
    } catch {
      throw new TestFailure('the subscription did not show the new row; the result pane shows:\n' +
        `${await editorText(withToken, RESPONSE_EDITOR)}`);
    }
    log('a subscription in the playground: the new row arrived over the WebSocket');
    // The sign-in page itself answers 401, and so does the wrong password on purpose; anything
    // else is a problem.
    const expected401 = (p) => /\b401\b/.test(p) &&
      (p.includes(`${pageUrl})`) || p.endsWith(pageUrl) || p.includes(`${baseUrl}/api/login`));
    problems.push(...signinProblems.filter((p) => !expected401(p)));

    check(problems.length === 0, `the playground reported problems:\n  ${problems.join('\n  ')}`);
  } catch (e) {
    failed = true;
    console.error(`FAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
    if (problems.length) console.error(`also seen in the browser:\n  ${problems.join('\n  ')}`);
    if (pages.length) {
      fs.mkdirSync(shotsDir, { recursive: true });
      for (const [name, page] of pages) {
        const file = path.join(shotsDir, `${name}.png`);
        try {
          await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
          console.error(`screenshot: ${file}`);
        } catch (err) {
          console.error(`screenshot of the ${name} page failed: ${err.message}`);
        }
      }
    }
    if (serverLog.length) console.error(`server log (last lines):\n  ${serverLog.slice(-30).join('\n  ')}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server?.proc);
    clearTimeout(watchdog);
    // Keep the screenshots of a failure; remove everything else.
    for (const entry of fs.readdirSync(tmp)) {
      if (!(failed && entry === 'screenshots')) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
    }
    if (fs.readdirSync(tmp).length === 0) fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
  log('PASS: GraphiQL playground in headless Chromium');
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(2);
});
