// SPDX-License-Identifier: Apache-2.0
// The airsql web console: a hash router over a few views. Sign-in state is the session cookie
// (HttpOnly, set by POST /api/login); the username is remembered in localStorage for display.
import 'tabulator-tables/dist/css/tabulator_simple.min.css';
import './console.css';

import { api, ApiError } from './api.js';
import { crumbs, confirmButton, field, h, newView, show, status, viewGuard } from './dom.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { descriptionPanel } from './describe.js';
import { chartsView, dashboardView } from './charts.js';
import { functionsView, functionView } from './functions.js';
import { appsView } from './apps.js';
import { serverSettingsView, settingsView } from './settings.js';
import { sqlView } from './sql.js';
import { tableView } from './table.js';
import { teamsView, teamView } from './team.js';

const enc = encodeURIComponent;
const user = () => localStorage.getItem('airsql.username') || '';

// ---- signing in ----------------------------------------------------------------------------

function signInView(message) {
  crumbs([['Sign in', null]]);
  const error = h('p', { id: 'auth-error', class: 'error', role: 'alert' }, message || '');
  const signIn = h('form', { id: 'signin-form', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    field('Username', h('input', { id: 'signin-username', name: 'username', autocomplete: 'username', required: true })),
    field('Password', h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in'));
  const signUp = h('form', { id: 'signup-form', 'aria-labelledby': 'signup-title' },
    h('h2', { id: 'signup-title' }, 'Sign up'),
    field('Username', h('input', { id: 'signup-username', name: 'username', autocomplete: 'username', required: true })),
    field('Email', h('input', { id: 'signup-email', name: 'email', type: 'email', autocomplete: 'email', required: true })),
    field('Password', h('input', { id: 'signup-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })),
    h('button', { type: 'submit', id: 'signup-submit' }, 'Create account'));

  async function login(username, password) {
    const answer = await api('POST', '/api/login', { username, password });
    localStorage.setItem('airsql.username', answer.username);
    whoBar(false);  // a fresh header (and admin check) for who signed in
    route();  // the page asked for before signing in
  }
  signIn.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await login(signIn.username.value, signIn.password.value);
    } catch (err) {
      error.textContent = `Sign-in failed: ${err.message}`;
    }
  });
  signUp.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/users', {
        username: signUp.username.value, email_address: signUp.email.value, password: signUp.password.value,
      });
      await login(signUp.username.value, signUp.password.value);
    } catch (err) {
      error.textContent = `Sign-up failed: ${err.message}`;
    }
  });
  show(h('h1', {}, 'airsql console'), error, h('div', { class: 'columns' }, signIn, signUp));
}

async function signOut() {
  await api('POST', '/api/logout', {}).catch(() => {});
  localStorage.removeItem('airsql.username');
  whoBar(false);
  location.hash = '#/';
  route();
}

// Whether the signed-in user is a server admin (asked once per sign-in).
let adminCheck = null;
function isServerAdmin() {
  adminCheck ??= api('GET', `/api/users/${enc(user())}`).then((me) => me.serverRoles.includes('admin'), () => false);
  return adminCheck;
}

function whoBar(signedIn) {
  const who = document.getElementById('who');
  if (!signedIn) {
    adminCheck = null;
    delete who.dataset.user;
    who.replaceChildren();
    return;
  }
  if (who.dataset.user === user() && who.childElementCount) return;  // already shown
  who.dataset.user = user();
  const server = h('a', { href: '#/server', id: 'server-link', hidden: true }, 'Server');
  who.replaceChildren(h('span', { id: 'username' }, user()), ' ',
    h('a', { href: '#/teams' }, 'Teams'), ' ', h('a', { href: '#/tokens' }, 'Tokens'), ' ', server, ' ',
    h('button', { type: 'button', id: 'signout', onclick: signOut }, 'Sign out'));
  isServerAdmin().then((admin) => { server.hidden = !admin; });
}

// ---- databases ------------------------------------------------------------------------------

async function databasesView() {
  const live = viewGuard();
  crumbs([['Databases', null]]);
  const { databases } = await api('GET', '/api/dbs');
  const list = h('ul', { id: 'db-list', class: 'cards' }, databases.map((db) => h('li', { 'data-db-id': db.id },
    h('a', { href: `#/db/${enc(db.id)}`, class: 'db-name' }, db.name),
    h('span', { class: 'muted' }, ` ${db.owner} · ${db.tables.length} table(s) · ${db.size} bytes`),
    h('span', { class: 'actions' },
      h('a', { href: `/dbs/${enc(db.id)}/download`, download: `${db.name}.sqlite` }, 'Download'),
      h('button', {
        type: 'button', 'aria-label': `Duplicate ${db.name}`, onclick: async () => {
          const copy = await api('GET', `/dbs/${enc(db.id)}/duplicate`);
          status(`Duplicated ${db.name}`);
          await databasesView();
          document.querySelector(`[data-db-id="${copy.id}"] a`)?.focus();
        },
      }, 'Duplicate'),
      confirmButton('Delete', `Really delete ${db.name}?`, async () => {
        await api('DELETE', `/api/dbs/${enc(db.id)}`);
        status(`Deleted ${db.name}`);
        await databasesView();
      }, { 'aria-label': `Delete ${db.name}` })))));
  if (!databases.length) list.append(h('li', {}, 'No databases yet: create one below.'));

  const fromSql = h('form', { id: 'create-sql', 'aria-labelledby': 'create-sql-title' },
    h('h2', { id: 'create-sql-title' }, 'New database from SQL'),
    field('Name', h('input', { name: 'name', id: 'create-name', required: true })),
    field('SQL (optional)', h('textarea', { name: 'query', id: 'create-query', rows: 4, placeholder: 'CREATE TABLE …' })),
    h('button', { type: 'submit' }, 'Create'));
  fromSql.addEventListener('submit', async (e) => {
    e.preventDefault();
    const created = await api('POST', '/api/dbs', { name: fromSql.name.value, team: user() || undefined, query: fromSql.query.value });
    location.hash = `#/db/${enc(created.id)}`;
  });
  const fromFile = h('form', { id: 'create-file', 'aria-labelledby': 'create-file-title' },
    h('h2', { id: 'create-file-title' }, 'New database from a file'),
    field('Name', h('input', { name: 'name', id: 'upload-name', required: true })),
    field('SQLite, CSV or SQL file', h('input', { name: 'file', id: 'upload-file', type: 'file', required: true, accept: '.sqlite,.sqlite3,.db,.csv,.sql' })),
    h('button', { type: 'submit', id: 'upload-submit' }, 'Upload'));
  fromFile.addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData();
    form.append('name', fromFile.name.value);
    form.append('file', fromFile.file.files[0]);
    status('Uploading…');
    const created = await api('POST', '/dbs', form);
    status('Uploaded');
    location.hash = `#/db/${enc(created.id)}`;
  });
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, 'Databases'), list, h('div', { class: 'columns' }, fromSql, fromFile));
}

// ---- one database ---------------------------------------------------------------------------

async function databaseView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db);
  const tables = h('ul', { id: 'table-list', class: 'cards' }, db.tables.map((t) => h('li', {},
    h('a', { href: `#/db/${enc(db.id)}/table/${enc(t.name)}` }, t.name),
    h('span', { class: 'muted' }, ` ${t.tableType} · ${t.columns.map((c) => c.name).join(', ')}`))));
  if (!db.tables.length) tables.append(h('li', {}, 'No tables yet: create one in the SQL workbench.'));
  const form = h('form', { id: 'table-create', 'aria-labelledby': 'table-create-title' },
    h('h2', { id: 'table-create-title' }, 'New table'),
    field('Name', h('input', { name: 'name', id: 'table-create-name', required: true })),
    h('p', { class: 'muted' }, 'It starts with one column, id INTEGER PRIMARY KEY; add more on its page.'),
    h('button', { type: 'submit' }, 'Create table'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await api('PUT', `/api/dbs/${enc(db.id)}/tables/${enc(form.name.value)}`, {});
    location.hash = `#/db/${enc(db.id)}/table/${enc(form.name.value)}`;
  });
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, db.name), descriptionPanel(db.id, 'database', db.description), dbTabs(db, 'Tables'),
    h('h2', {}, 'Tables'), tables, form);
}

// API tokens of my teams: listed (masked), created (the body is shown once), revoked.
async function tokensView() {
  const live = viewGuard();
  crumbs([['Databases', '#/'], ['Tokens', null]]);
  const [me, { databases }] = await Promise.all([api('GET', `/api/users/${enc(user())}`), api('GET', '/api/dbs')]);
  const sections = [];
  for (const team of me.teams) {
    let body;
    try {
      const { tokens } = await api('GET', `/api/teams/${enc(team.name)}/tokens`);
      body = h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['Name', 'Token', 'Permissions', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, tokens.map((t) => h('tr', { 'data-token-id': t.id },
          h('td', {}, t.name), h('td', {}, h('code', {}, t.body)),
          h('td', {}, t.permissions.map((p) => `${p.db_name ?? p.db_id}: ${p.name}`).join(', ')),
          h('td', {}, t.expiration_utc ?? 'never'),
          h('td', {}, confirmButton('Revoke', `Really revoke ${t.name}?`, async () => {
            await api('DELETE', `/api/tokens/${enc(t.id)}`);
            status(`Revoked ${t.name}`);
            await tokensView();
          }, { 'aria-label': `Revoke ${t.name}` }))))));
      if (!tokens.length) body = h('p', { class: 'muted' }, 'No tokens.');
    } catch (err) {
      body = h('p', { class: 'muted' }, err.message);  // only team admins see tokens
    }
    sections.push(h('h2', {}, `Team ${team.name}`), body);
  }
  const created = h('p', { id: 'token-created', role: 'status' });
  const form = h('form', { id: 'token-form', 'aria-labelledby': 'token-form-title' },
    h('h2', { id: 'token-form-title' }, 'New token'),
    field('Name', h('input', { name: 'name', id: 'token-name', required: true })),
    field('Database', h('select', { name: 'db', id: 'token-db', required: true },
      databases.map((d) => h('option', { value: d.id, 'data-team': d.owner }, `${d.name} (${d.owner})`)))),
    field('Permission', h('select', { name: 'permission', id: 'token-permission' },
      ['read', 'write', 'insertonly', 'writeonly'].map((p) => h('option', { value: p }, p)))),
    h('button', { type: 'submit', id: 'token-submit', disabled: !databases.length }, 'Create token'), created);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const db = form.db.selectedOptions[0];
    const answer = await api('POST', '/api/tokens', {
      name: form.name.value, description: '', expiration_utc: null, team_name: db.dataset.team,
      permissions: [{ db_id: db.value, name: form.permission.value }],
    });
    await tokensView();
    const shown = document.getElementById('token-created');
    shown.replaceChildren('Copy the token now, it is not shown again: ', h('code', { id: 'token-body' }, answer.body));
    shown.focus();
  });
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, 'API tokens'), ...sections, form);
}

// ---- the router -----------------------------------------------------------------------------

const routes = [
  [/^#\/db\/([^/]+)\/table\/([^/]+)$/, (id, t) => tableView(id, t)],
  [/^#\/db\/([^/]+)\/sql$/, (id) => sqlView(id)],
  [/^#\/db\/([^/]+)\/charts$/, (id) => chartsView(id)],
  [/^#\/db\/([^/]+)\/dashboard\/([^/]+)$/, (id, d) => dashboardView(id, d)],
  [/^#\/db\/([^/]+)\/settings$/, (id) => settingsView(id)],
  [/^#\/db\/([^/]+)\/functions$/, (id) => functionsView(id)],
  [/^#\/db\/([^/]+)\/apps$/, (id) => appsView(id)],
  [/^#\/db\/([^/]+)\/function\/([^/]+)$/, (id, f) => functionView(id, f)],
  [/^#\/db\/([^/]+)$/, (id) => databaseView(id)],
  [/^#\/tokens$/, () => tokensView()],
  [/^#\/teams$/, () => teamsView()],
  [/^#\/team\/([^/]+)$/, (t) => teamView(t)],
  [/^#\/server$/, () => serverSettingsView()],
  [/^(#\/?)?$/, () => databasesView()],
];

let current = 0;
async function route() {
  const mine = ++current;
  newView();
  status('');
  const hash = location.hash;
  try {
    for (const [pattern, view] of routes) {
      const m = hash.match(pattern);
      if (m) {
        await view(...m.slice(1).map(decodeURIComponent));
        if (mine === current) whoBar(true);
        return;
      }
    }
    show(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the databases')));
  } catch (err) {
    if (mine !== current) return;
    // Signed out: 401, or 404 for a database an anonymous visitor may not know of.
    const signedOut = err instanceof ApiError && (err.status === 401 ||
      (err.status === 404 && await api('GET', '/api/dbs').then(() => false, (e) => e.status === 401)));
    if (mine !== current) return;
    if (signedOut) {
      localStorage.removeItem('airsql.username');
      whoBar(false);
      signInView();
      return;
    }
    status(err.message, true);
  }
}

// Errors of event handlers (form submits, buttons) land in the status line.
window.addEventListener('unhandledrejection', (e) => {
  status(e.reason?.message || String(e.reason), true);
  e.preventDefault();
});
window.addEventListener('hashchange', route);
route();
