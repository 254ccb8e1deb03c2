// SPDX-License-Identifier: Apache-2.0
// The console's team, function, chart-editing and settings pages in headless Chromium, as a
// person would use them, against the real server (and the real Deno for functions):
// - a team: add a user, change their role, invite an address by email (the mail is in the
//   outbox), an invitation refused with its reason, remove the member, the team's tokens;
// - a function: created from the page, a type error shown by `deno check` at its line, code
//   that does not parse kept but not active (and said so after a reload), fixed,
//   versions (an old one made active again), called from the page (a body that is not JSON
//   refused at its field; status and body shown), its invocation logs, and its description
//   written by a stand-in language model through POST …/prompt/describe-function;
// - a chart edited (title, type, label rotation, hiding nulls; a refused rotation shown at its
//   field; then a query instead of a table), a dashboard's title and chart order;
// - the database settings (a refused variable name shown at its row, nothing saved; then
//   saved), and the server settings for a server admin (secrets set through the API never
//   appear in the page; a refused value at its field; saved), hidden from a non-admin;
// - every one of those pages on a phone (390×844) without sideways scrolling.
// Each step checks what the page shows and the API state afterwards. Any page error, console
// error or warning (CSP violations among them) or unexpected HTTP error fails the test.
// Screenshots (1280×800 and 390×844) go to the output folder.
//
// Usage: node tests/browser/console_more.test.mjs [--server PATH] [--chromium PATH] [--out DIR]
// Exit code 0 on success. Needs `scripts/install-deps --test`.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  api, check, CHECK_TIMEOUT_MS, checkNoOverflow, chromiumPath, loadPlaywright, log, outDir, serverLog, shot, startServer,
  stopServer, STEP_TIMEOUT_MS, TestFailure, wait, waitFor, watchPage,
} from './console_support.mjs';

const WATCHDOG_MS = 400_000;
const DESCRIPTION = 'Counts the **tables** of the database.';
const SECRETS = ['smtp-secret-password-1', 'paddle-secret-key-123456', 'server-wide-secret-value'];

// The stand-in language model: every answer is the same description.
async function startFakeLlm() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      requests.push({ path: req.url, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'fake-model',
        choices: [{ index: 0, message: { role: 'assistant', content: DESCRIPTION }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, requests, url: `http://127.0.0.1:${server.address().port}/v1/` };
}

// Replaces the whole text of a CodeMirror editor, typed as a person pastes it.
async function setEditor(page, selector, text) {
  await page.click(`${selector} .cm-content`);
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

const statusIs = (page, pattern, what) => waitFor(page, (p) => new RegExp(p).test(document.getElementById('status').textContent),
  pattern, what);

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airsql-console-more-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(outDir, { recursive: true });
  let server;
  let llm;
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
    check(fs.existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (scripts/install-deps --test)`);
    const { chromium } = loadPlaywright();
    llm = await startFakeLlm();
    server = await startServer(dataDir, ['--llm-base-url', llm.url, '--llm-model', 'fake-model']);
    const { baseUrl } = server;
    log(`server at ${baseUrl}`);
    browser = await chromium.launch({
      executablePath: chromiumPath, headless: true, timeout: STEP_TIMEOUT_MS,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await desktop.newPage();
    pages.push(['desktop', page]);
    // Expected refusals: signed out (401), an invitation to a taken address (409), and the
    // validation errors the steps provoke (400 on the settings and chart PATCHes).
    watchPage(page, 'desktop', problems,
      /^(401 GET .*\/api\/dbs|409 POST .*\/api\/users\/invite|400 PATCH .*\/api\/(settings|dbs\/[^/]+\/(settings|charts\/[^/]+)))$/);

    // The first user (the server admin) signs up in the console; a second one through the API.
    await page.goto(`${baseUrl}/console`, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await wait(page, '#signup-form', 'the sign-up form');
    const username = `admin${process.pid}`;
    const password = 'correct horse battery';
    await page.fill('#signup-username', username);
    await page.fill('#signup-email', `${username}@example.com`);
    await page.fill('#signup-password', password);
    await page.click('#signup-submit');
    await wait(page, '#create-file', 'the databases page after signing up');
    const token = (await api(baseUrl, 'POST', '/api/login', { body: { username, password } })).sessionToken;
    const bob = `bob${process.pid}`;
    await api(baseUrl, 'POST', '/api/users', { expect: 201, body: { username: bob, email_address: `${bob}@example.com`, password } });
    const bobToken = (await api(baseUrl, 'POST', '/api/login', { body: { username: bob, password } })).sessionToken;
    const db = await api(baseUrl, 'POST', '/api/dbs', { token, expect: [200, 201], body: {
      name: 'shop', team: username,
      query: 'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL, stock INTEGER);' +
        "INSERT INTO products (name, price, stock) VALUES ('Tea', 3.5, 10), ('Cake', 4.0, NULL), ('Jam', 2.25, 7);",
    } });
    const dbId = db.id;
    const tok = await api(baseUrl, 'POST', '/api/tokens', { token, expect: 201, body: {
      name: 'robot', description: '', expiration_utc: null, team_name: username, permissions: [{ db_id: dbId, name: 'read' }] } });
    log(`signed up ${username} (server admin); ${bob} and the database ${dbId} through the API`);

    // ---- 1. The team: members, roles, invitations, tokens -------------------------------------
    await page.click('#who a:text-is("Teams")');
    await page.click(`#team-list a:text-is("${username}")`);
    await wait(page, `#member-list tr[data-member="${username}"]`, 'the team page');
    check((await page.textContent(`#member-list tr[data-member="${username}"] td`)) === 'Admin', 'the owner is not shown as Admin');
    const tokenRow = await page.textContent('#team-tokens');
    check(tokenRow.includes('robot') && tokenRow.includes(': read') && !tokenRow.includes(tok.body),
      `the team's tokens (masked) show: ${tokenRow}`);
    await page.fill('#member-add-name', bob);
    await page.selectOption('#member-add-role', 'Viewer');
    await page.press('#member-add-name', 'Enter');
    await wait(page, `#member-list tr[data-member="${bob}"]`, 'the added member');
    const roles = async (who) => (await api(baseUrl, 'GET', `/api/teams/${username}/members`, { token })).members
      .find((m) => m.username === who)?.roles;
    check(JSON.stringify(await roles(bob)) === '["Viewer"]', `bob's roles after adding: ${await roles(bob)}`);
    await page.selectOption(`#member-list tr[data-member="${bob}"] select`, 'Editor');
    await page.click(`#member-list tr[data-member="${bob}"] button:text-is("Save role")`);
    await statusIs(page, `${bob} is now Editor`, 'the role change');
    await wait(page, `#member-list tr[data-member="${bob}"] td:text-is("Editor")`, 'the new role in the list');
    check(JSON.stringify(await roles(bob)) === '["Editor"]', `bob's roles after the change: ${await roles(bob)}`);
    await page.fill('#invite-email', 'carol@example.com');
    await page.selectOption('#invite-role', 'Viewer');
    await page.click('#invite-submit');
    await wait(page, '#invite-result:text-matches("Invited carol@example.com")', 'the invitation sent');
    const outbox = await api(baseUrl, 'GET', '/api/mail/outbox', { token });
    const mail = outbox.mails.find((m) => m.to === 'carol@example.com');
    check(mail && mail.subject.includes(username) && /\/invitation\//.test(mail.body), `the invitation mail: ${JSON.stringify(outbox).slice(0, 400)}`);
    await page.fill('#invite-email', `${bob}@example.com`);
    await page.click('#invite-submit');
    await wait(page, '#invite-result.error:text-matches("Not invited: .*exists")', 'the refused invitation');
    await shot(page, 'more-desktop-1-team');
    await page.click(`#member-list tr[data-member="${bob}"] button:text-is("Remove")`);
    await page.click(`#member-list tr[data-member="${bob}"] button.danger`);
    await wait(page, `#member-list tr[data-member="${bob}"]`, 'the removed member', 'detached');
    check((await roles(bob)) === undefined, 'bob is still a member');
    log('team: added a member, changed the role, invited by email (mail in the outbox), refused one, removed the member');

    // ---- 2. A function ---------------------------------------------------------------------------
    await page.evaluate((h) => { location.hash = h; }, `#/db/${dbId}`);
    await page.click('.tabs a:text-is("Functions")');
    await wait(page, '#function-create', 'the functions page');
    await page.fill('#function-create-name', 'stock report');
    await page.press('#function-create-name', 'Enter');
    await wait(page, '#function-editor .cm-content', 'the function editor', 'visible', CHECK_TIMEOUT_MS);
    await wait(page, '#function-editor .tok-keyword', 'TypeScript keywords highlighted');
    const fid = decodeURIComponent(await page.evaluate(() => location.hash.split('/')[4]));
    await setEditor(page, '#function-editor', 'export default async function (context) {\n' +
      '  const total: number = "many"\n  return { total }\n}\n');
    await page.keyboard.press('Control+s');
    await wait(page, '#function-diagnostics li:text-matches("Line 2, column [0-9]+: .*TS2322")', 'the type error at line 2', 'visible', CHECK_TIMEOUT_MS);
    await wait(page, '#function-editor .cm-lintRange-error', 'the type error marked in the editor');
    check(/NOT active|active/.test(await page.textContent('#function-info')), 'no save information');
    await shot(page, 'more-desktop-2-function-diagnostics');
    // Code that does not parse is kept as a version, not made active; a reload shows it.
    await setEditor(page, '#function-editor', 'export default async function (context) {\n  return {\n');
    await page.click('#function-save');
    await wait(page, '#function-info:text-matches("NOT active")', 'the syntax error saved, not active', 'visible', CHECK_TIMEOUT_MS);
    check(await page.locator('#function-diagnostics li.error').count() >= 1, 'no syntax error listed');
    await page.reload({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await wait(page, '#function-info:text-matches("newest version is not active")', 'the note after a reload');
    check((await page.textContent('#function-editor .cm-content')).includes('"many"'), 'the active version is not in the editor');
    const fnNow = await api(baseUrl, 'GET', `/api/dbs/${dbId}/functions/${fid}`, { token });
    check(fnNow.versions.length === 3 && fnNow.activeVersion === fnNow.versions[1], `after the syntax error: ${JSON.stringify(fnNow).slice(0, 300)}`);
    await setEditor(page, '#function-editor', 'export default async function (context) {\n' +
      '  console.log("stock for", context.data?.who)\n' +
      '  const { rows } = await context.sql("SELECT sum(stock) AS total FROM products")\n' +
      '  return { total: rows[0].total, who: context.data?.who ?? null }\n}\n');
    await page.click('#function-save');
    await wait(page, '#function-info:text-matches("active, no diagnostics")', 'the fixed version saved', 'visible', CHECK_TIMEOUT_MS);
    check(await page.locator('#function-diagnostics li').count() === 0, 'diagnostics remain after the fix');
    let fn = await api(baseUrl, 'GET', `/api/dbs/${dbId}/functions/${fid}`, { token });
    check(fn.versions.length === 4 && fn.activeVersion === fn.versions[3] && fn.content.includes('sum(stock)'),
      `the function after two saves: ${JSON.stringify(fn).slice(0, 400)}`);
    check(await page.locator('#function-versions li').count() === 4, 'not four versions listed');
    // A call from the page: a body that is not JSON is refused at its field, then a real call.
    await page.fill('#call-input', '{"who": ');
    await page.click('#call-submit');
    await wait(page, '#call-input-error:text-matches("Not JSON")', 'the refused body');
    check(await page.getAttribute('#call-input', 'aria-invalid') === 'true', 'the body field is not marked invalid');
    await page.fill('#call-input', '{"who": "Ann"}');
    await page.click('#call-submit');
    await wait(page, '#call-status:text-matches("^HTTP 200")', 'the call\'s status');
    const answered = JSON.parse(await page.textContent('#call-body'));
    check(answered.total === 17 && answered.who === 'Ann', `the call answered ${JSON.stringify(answered)}`);
    await wait(page, '#invocations tr[data-invocation] .logs:text-matches("stock for Ann")', 'the call\'s logs');
    check((await page.textContent('#invocations tr[data-invocation] .status')) === '200', 'the invocation status');
    check(/ms$/.test(await page.textContent('#invocations tr[data-invocation] .runtime')), 'the invocation run time');
    await shot(page, 'more-desktop-3-function-called');
    // Version 1 (the example) active again; then a description written by the model.
    await page.click('#function-versions button[aria-label="Make version 1 active"]');
    await statusIs(page, 'Version 1 of stock report is active again', 'the republished version');
    fn = await api(baseUrl, 'GET', `/api/dbs/${dbId}/functions/${fid}`, { token });
    check(fn.activeVersion === fn.versions[0] && fn.content.includes('sqlite_master'), `after republishing: ${fn.activeVersion}`);
    check((await page.textContent('#function-editor .cm-content')).includes('sqlite_master'), 'the editor does not show version 1');
    await page.click('#function-describe');
    await wait(page, '#function-info:text-matches("saved")', 'the description');
    check(await page.inputValue('#function-description') === DESCRIPTION, 'the description is not in its field');
    fn = await api(baseUrl, 'GET', `/api/dbs/${dbId}/functions/${fid}`, { token });
    check(fn.description === DESCRIPTION, `the stored description: ${fn.description}`);
    const asked = llm.requests.at(-1)?.body ?? '';
    check(asked.includes('sqlite_master') && asked.includes('stock report') && !asked.includes('Tea'),
      'the model did not get the function\'s code, or got row data');
    await page.click('.tabs a:text-is("Functions")');
    await wait(page, `#function-list li[data-function-id="${fid}"]`, 'the function in the list');
    const listed = await page.textContent(`#function-list li[data-function-id="${fid}"]`);
    check(/^stock report 4 version\(s\) · active · Counts the/.test(listed), `the function listed as: ${listed}`);
    log('function: created, a type error at line 2, fixed, called (200, logs), version 1 active again, described');

    // The database's and a table's descriptions, written by the model and stored.
    await page.click('.tabs a:text-is("Tables")');
    await wait(page, '#database-describe', 'the database page\'s description button');
    check((await page.textContent('#database-description')) === 'No description yet.', 'a description before any was written');
    await page.click('#database-describe');
    await wait(page, '#database-describe-info:text-matches("saved")', 'the database description');
    check((await page.textContent('#database-description')) === DESCRIPTION, 'the database description is not shown');
    check((await api(baseUrl, 'GET', `/api/dbs/${dbId}`, { token })).description === DESCRIPTION,
      'the database description was not stored');
    check(!(llm.requests.at(-1)?.body ?? '').includes('Tea'), 'the model got row data for the database description');
    await page.click('#table-list a:text-is("products")');
    await wait(page, '#table-describe', 'the table page\'s description button');
    await page.click('#table-describe');
    await wait(page, '#table-describe-info:text-matches("saved")', 'the table description');
    check((await page.textContent('#table-description')) === DESCRIPTION, 'the table description is not shown');
    check((await api(baseUrl, 'GET', `/api/dbs/${dbId}/tables/products`, { token })).description === DESCRIPTION,
      'the table description was not stored');
    const askedTable = llm.requests.at(-1)?.body ?? '';
    check(askedTable.includes('products') && !askedTable.includes('Cake'), 'the model did not get the table, or got its rows');
    await page.reload({ waitUntil: 'load' });
    await wait(page, '#table-description', 'the table page after a reload');
    check((await page.textContent('#table-description')) === DESCRIPTION, 'the stored table description is not shown after a reload');
    await shot(page, 'more-desktop-3b-described');
    log('descriptions: database and table described by the model, stored, shown after a reload');

    // Apps: upload one HTML file, see it listed, open it (served sandboxed), replace, delete.
    await page.click('.tabs a:text-is("Apps")');
    await wait(page, '#app-upload', 'the apps page');
    check((await page.textContent('#app-list')).includes('No apps yet.'), 'apps listed before any upload');
    const appHtml = (word) => Buffer.from(`<!doctype html><html><head><title>${word}</title></head>` +
      `<body><h1>${word}</h1><script>document.body.dataset.ready = '1'</script></body></html>`);
    await page.fill('#app-upload-name', 'board');
    await page.fill('#app-upload-title-input', 'Stock board');
    await page.setInputFiles('#app-upload-file', { name: 'board.html', mimeType: 'text/html', buffer: appHtml('First') });
    await page.click('#app-upload button[type=submit]');
    await wait(page, '#app-list li[data-app-id] a:text-is("Stock board")', 'the uploaded app in the list');
    let apps = (await api(baseUrl, 'GET', `/api/dbs/${dbId}/apps`, { token })).apps;
    check(apps.length === 1 && apps[0].name === 'board' && apps[0].title === 'Stock board', `apps after the upload: ${JSON.stringify(apps)}`);
    const appId = apps[0].id;
    const href = await page.getAttribute('#app-list li[data-app-id] a', 'href');
    check(href === `/dbs/${dbId}/apps/${appId}/`, `the app link: ${href}`);
    let served = await page.request.get(`${baseUrl}${href}`);
    check(served.status() === 200 && (await served.text()).includes('<h1>First</h1>'), `the app page: ${served.status()}`);
    check(/sandbox allow-scripts/.test(served.headers()['content-security-policy'] ?? ''), 'the app is not served sandboxed');
    await shot(page, 'more-desktop-3c-apps');
    await page.click(`#app-list li[data-app-id="${appId}"] summary`);
    await page.setInputFiles(`#app-replace-${appId}-file`, { name: 'board.html', mimeType: 'text/html', buffer: appHtml('Second') });
    await page.click(`#app-replace-${appId} button[type=submit]`);
    await statusIs(page, 'Replaced the files of board', 'the replaced app');
    served = await page.request.get(`${baseUrl}${href}`);
    check((await served.text()).includes('<h1>Second</h1>'), 'the app still serves its first files');
    await wait(page, `#app-list li[data-app-id="${appId}"] summary`, 'the app after replacing');
    await page.click(`#app-list li[data-app-id="${appId}"] summary`);
    await page.click('button[aria-label="Delete board"]');
    await page.click('button[aria-label="Delete board"]');
    await statusIs(page, 'Deleted board', 'the deleted app');
    apps = (await api(baseUrl, 'GET', `/api/dbs/${dbId}/apps`, { token })).apps;
    check(apps.length === 0, `apps after deleting: ${JSON.stringify(apps)}`);
    log('apps: uploaded an HTML file, listed, served sandboxed, replaced, deleted');

    // ---- 3. Editing a chart and a dashboard -----------------------------------------------------
    const chart = (body) => api(baseUrl, 'POST', `/api/dbs/${dbId}/charts`, { token, expect: 201, body: {
      hideNullValues: false, labelRotation: 0, ...body } });
    const c1 = await chart({ title: 'Prices', table: 'products', headers: ['name', 'price'], chartType: 'ColumnChart' });
    const c2 = await chart({ title: 'Stock', table: 'products', headers: ['name', 'stock'], chartType: 'PieChart' });
    const board = await api(baseUrl, 'POST', `/api/dbs/${dbId}/dashboards`, { token, expect: 201, body: { title: 'Shop', charts: [c1.ulid, c2.ulid] } });
    await page.click('.tabs a:text-is("Charts")');
    const card = page.locator(`#charts .chart[data-chart-id="${c1.ulid}"]`);
    await card.locator('.plot[data-rendered]').waitFor({ timeout: STEP_TIMEOUT_MS });
    await card.locator('summary:text-is("Edit")').click();
    const edit = card.locator('form.chart-edit');
    await edit.locator('[name=title]').fill('Prices per product');
    await edit.locator('[name=chartType]').selectOption('LineChart');
    await edit.locator('[name=labelRotation]').fill('200');
    await edit.locator('[name=hideNullValues]').check();
    await edit.locator('[name=headers][value=stock]').check();
    await edit.locator('button[type=submit]').click();
    await edit.locator('.field-error:text-matches("labelRotation must be between")').waitFor({ timeout: STEP_TIMEOUT_MS });
    check(await edit.locator('[name=labelRotation]').getAttribute('aria-invalid') === 'true', 'the rotation is not marked invalid');
    await shot(page, 'more-desktop-4-chart-error');
    await edit.locator('[name=labelRotation]').fill('45');
    await edit.locator('button[type=submit]').click();
    await statusIs(page, 'Saved the chart Prices per product', 'the chart saved');
    let stored = (await api(baseUrl, 'GET', `/api/dbs/${dbId}/charts`, { token })).charts.find((c) => c.ulid === c1.ulid);
    check(stored.title === 'Prices per product' && stored.chartType === 'LineChart' && stored.labelRotation === 45 &&
      stored.hideNullValues === true && JSON.stringify(stored.headers) === '["name","price","stock"]' && stored.table === 'products',
    `the edited chart: ${JSON.stringify(stored)}`);
    await wait(page, `#charts .chart[data-chart-id="${c1.ulid}"] figcaption:has-text("Prices per product LineChart")`, 'the chart redrawn');
    // A query instead of the table.
    const card2 = page.locator(`#charts .chart[data-chart-id="${c1.ulid}"]`);
    await card2.locator('summary:text-is("Edit")').click();
    await card2.locator('input[name=source][value=query]').check();
    await card2.locator('[name=query]').fill('SELECT name, price * 2 AS double_price FROM products ORDER BY name');
    await card2.locator('form.chart-edit button[type=submit]').click();
    await statusIs(page, 'Saved the chart Prices per product', 'the chart saved with a query');
    await wait(page, `#charts .chart[data-chart-id="${c1.ulid}"] figcaption:has-text("of a query")`, 'the query chart');
    stored = (await api(baseUrl, 'GET', `/api/dbs/${dbId}/charts`, { token })).charts.find((c) => c.ulid === c1.ulid);
    check(stored.table === null && /double_price/.test(stored.query) && !stored.broken, `the query chart: ${JSON.stringify(stored)}`);
    const data = await api(baseUrl, 'GET', `/api/dbs/${dbId}/charts/${c1.ulid}/data`, { token });
    check(JSON.stringify(data.rows[0]) === '["Cake",8]', `the query chart's rows: ${JSON.stringify(data)}`);
    await page.locator(`#charts .chart[data-chart-id="${c1.ulid}"] .plot[data-rendered]`).waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot(page, 'more-desktop-5-charts-edited');
    // The dashboard: a new title, Stock moved up (by keyboard), both kept.
    await page.click(`#dashboard-list a:text-is("Shop")`);
    await wait(page, '#dashboard-edit', 'the dashboard editor');
    await page.fill('#dashboard-edit-name', 'Shop overview');
    await page.focus(`#dashboard-edit-charts li[data-chart-id="${c2.ulid}"] button[data-move=up]`);
    await page.keyboard.press('Enter');
    check(await page.evaluate(() => document.activeElement?.dataset.move) === 'up', 'the focus did not stay on the moved chart');
    await page.click('#dashboard-edit-submit');
    await statusIs(page, 'Saved the dashboard Shop overview', 'the dashboard saved');
    await wait(page, 'h1:text-is("Shop overview")', 'the renamed dashboard');
    const boards = (await api(baseUrl, 'GET', `/api/dbs/${dbId}/dashboards`, { token })).dashboards;
    const savedBoard = boards.find((b) => b.ulid === board.ulid);
    check(savedBoard.title === 'Shop overview' && JSON.stringify(savedBoard.charts.map((c) => c?.ulid ?? c)) ===
      JSON.stringify([c2.ulid, c1.ulid]), `the dashboard: ${JSON.stringify(savedBoard)}`);
    await waitFor(page, (ids) => [...document.querySelectorAll('#dashboard .chart')].map((c) => c.dataset.chartId).join() === ids,
      [c2.ulid, c1.ulid].join(), 'the dashboard does not show Stock first');
    await shot(page, 'more-desktop-6-dashboard-edited');
    log('charts: edited (a refused rotation shown at its field), switched to a query; a dashboard renamed and reordered');

    // ---- 4. The database's settings --------------------------------------------------------------
    await page.click('.tabs a:text-is("Settings")');
    await wait(page, '#db-settings', 'the settings form');
    await page.fill('#settings-environment', 'staging');
    await page.check('#settings-auditing');
    await page.click('#env-add');
    await page.keyboard.type('1BAD');
    await page.locator('.env-row').last().locator('[name=env-value]').fill('x');
    await page.click('#settings-save');
    await wait(page, '#db-settings .field-error:text-matches("1BAD")', 'the refused variable name at its row');
    check(await page.locator('.env-row').last().locator('[name=env-name]').getAttribute('aria-invalid') === 'true',
      'the variable name is not marked invalid');
    let settings = await api(baseUrl, 'GET', `/api/dbs/${dbId}/settings`, { token });
    check(settings.environment !== 'staging' && settings.auditing === false, `a refused PATCH changed something: ${JSON.stringify(settings)}`);
    await shot(page, 'more-desktop-7-settings-error');
    await page.locator('.env-row').last().locator('[name=env-name]').fill('GREETING');
    await page.locator('.env-row').last().locator('[name=env-value]').fill('hello');
    await page.click('#settings-save');
    await statusIs(page, 'Saved the settings', 'the settings saved');
    settings = await api(baseUrl, 'GET', `/api/dbs/${dbId}/settings`, { token });
    check(settings.environment === 'staging' && settings.auditing === true &&
      JSON.stringify(settings.envVars.map((v) => [v.name, v.value])) === '[["GREETING","hello"]]', `the settings: ${JSON.stringify(settings)}`);
    check(await page.inputValue('#settings-environment') === 'staging' && await page.isChecked('#settings-auditing'),
      'the page does not show the saved settings');
    log('database settings: a refused variable shown at its row (nothing saved), then saved');

    // ---- 5. The server's settings (server admins) -----------------------------------------------
    await api(baseUrl, 'PATCH', '/api/settings', { token, body: {
      smtp: { url: 'smtp://127.0.0.1:9', username: 'mailer', password: SECRETS[0], from: 'noreply@example.org', tls: 'none' },
      paddleWebhookKey: SECRETS[1], envVars: [{ name: 'SERVER_SECRET', value: SECRETS[2] }] } });
    await wait(page, '#server-link', 'the Server link for a server admin');
    await page.click('#server-link');
    await wait(page, '#server-settings', 'the server settings');
    const shownFacts = await page.textContent('#server-facts');
    check(/password set \(not shown\)/.test(shownFacts) && /SERVER_SECRET/.test(shownFacts) && /Billing webhook key\s*set/.test(shownFacts),
      `the server facts: ${shownFacts}`);
    const html = await page.content();
    for (const secret of SECRETS) check(!html.includes(secret), `the page shows a secret: ${secret}`);
    await page.fill('#server-sessionLifetimeHours', '0');
    await page.click('#server-settings-save');
    await wait(page, '#server-settings .field-error:text-matches("sessionLifetimeHours")', 'the refused lifetime at its field');
    check(await page.getAttribute('#server-sessionLifetimeHours', 'aria-invalid') === 'true', 'the lifetime is not marked invalid');
    await shot(page, 'more-desktop-8-server-settings-error');
    await page.fill('#server-sessionLifetimeHours', '48');
    await page.fill('#server-allowedHosts', 'api.example.org\nexample.net:8443');
    await page.fill('#server-limits-maxDatabasesPerTeam', '25');
    await page.selectOption('#server-signUp', 'invite-only');
    await page.click('#server-settings-save');
    await statusIs(page, 'Saved the server settings', 'the server settings saved');
    const serverSettings = await api(baseUrl, 'GET', '/api/settings', { token });
    check(serverSettings.sessionLifetimeHours === 48 && serverSettings.signUp === 'invite-only' &&
      JSON.stringify(serverSettings.allowedHosts) === '["api.example.org","example.net:8443"]' &&
      serverSettings.limits.maxDatabasesPerTeam === 25 && serverSettings.smtp?.passwordSet === true,
    `the server settings: ${JSON.stringify(serverSettings)}`);
    for (const secret of SECRETS) check(!(await page.content()).includes(secret), `the saved page shows a secret: ${secret}`);
    await shot(page, 'more-desktop-9-server-settings');
    await api(baseUrl, 'PATCH', '/api/settings', { token, body: { signUp: 'open' } });
    log('server settings: no secret in the page; a refused lifetime at its field; saved');

    // ---- 6. A phone: the same pages fit 390 px; a non-admin sees no server settings -------------
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const mobile = await phone.newPage();
    pages.push(['phone', mobile]);
    watchPage(mobile, 'phone', problems, /^(401 GET .*\/api\/dbs|403 GET .*\/api\/settings)$/);
    await mobile.goto(`${baseUrl}/console`, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await wait(mobile, '#signin-username', 'the sign-in form on a phone');
    await mobile.fill('#signin-username', username);
    await mobile.fill('#signin-password', password);
    await mobile.press('#signin-password', 'Enter');
    await wait(mobile, '#db-list', 'the databases on a phone');
    for (const [hash, selector, name] of [
      [`#/team/${username}`, '#member-list', 'more-phone-1-team'],
      [`#/db/${dbId}/functions`, '#function-list', 'more-phone-2-functions'],
      [`#/db/${dbId}/function/${fid}`, '#invocations tr[data-invocation]', 'more-phone-3-function'],
      [`#/db/${dbId}/charts`, '#charts .plot[data-rendered] canvas', 'more-phone-4-charts'],
      [`#/db/${dbId}/dashboard/${board.ulid}`, '#dashboard-edit', 'more-phone-5-dashboard'],
      [`#/db/${dbId}/settings`, '#db-settings', 'more-phone-6-settings'],
      ['#/server', '#server-settings', 'more-phone-7-server'],
    ]) {
      await mobile.evaluate((h) => { location.hash = h; }, hash);
      await wait(mobile, selector, name);
      await checkNoOverflow(mobile, name);
      await shot(mobile, name);
    }
    await mobile.click('#signout');
    await wait(mobile, '#signin-username', 'signed out on the phone');
    await mobile.fill('#signin-username', bob);
    await mobile.fill('#signin-password', password);
    const bobChecked = mobile.waitForResponse((r) => r.url().endsWith(`/api/users/${bob}`), { timeout: STEP_TIMEOUT_MS });
    await mobile.press('#signin-password', 'Enter');
    await wait(mobile, '#db-list', 'bob\'s databases');
    await bobChecked;  // the admin check has answered
    await mobile.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    check(await mobile.locator('#server-link').isHidden(), 'a non-admin sees the Server link');
    await mobile.evaluate(() => { location.hash = '#/server'; });
    await wait(mobile, '#status.error', 'the refused server settings for a non-admin');
    check(await mobile.locator('#server-settings').count() === 0, 'a non-admin sees the server settings form');
    await api(baseUrl, 'GET', '/api/settings', { token: bobToken, expect: 403 });
    log('phone: every new page fits 390 px; a non-admin gets no server settings');

    check(problems.length === 0, `the console reported problems:\n  ${problems.join('\n  ')}`);
  } catch (e) {
    failed = true;
    console.error(`FAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
    if (problems.length) console.error(`also seen in the browser:\n  ${problems.join('\n  ')}`);
    for (const [name, p] of pages) {
      const file = path.join(outDir, `more-failure-${name}.png`);
      await p.screenshot({ path: file, fullPage: true, timeout: 5_000 }).then(() => console.error(`screenshot: ${file}`))
        .catch((err) => console.error(`screenshot of ${name} failed: ${err.message}`));
    }
    if (serverLog.length) console.error(`server log (last lines):\n  ${serverLog.slice(-30).join('\n  ')}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server?.proc);
    llm?.server.close();
    clearTimeout(watchdog);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
  log(`screenshots in ${outDir}`);
  log('PASS: console teams, functions, chart editing and settings');
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(2);
});
