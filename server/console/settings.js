// SPDX-License-Identifier: Apache-2.0
// Settings: a database's (#/db/:id/settings: GET/PATCH /api/dbs/:id/settings) and, for server
// admins, the server's (#/server: GET/PATCH /api/settings). Only changed keys are sent (an
// Editor may change the environment without the Admin-only keys); the server validates, and
// its message is shown at the field it names. Secrets are never shown: the SMTP password and
// the billing webhook key only as "set", server-wide variables by name only.
import { api, ApiError } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { clearFieldErrors, crumbs, field, fieldError, h, show, status, viewGuard } from './dom.js';

const enc = encodeURIComponent;
const MAX_ENV_ROWS = 200;

// Sends a PATCH of the changed keys; a 400 is shown at its field. True when saved.
async function patchForm(form, path, body) {
  clearFieldErrors(form);
  if (!Object.keys(body).length) {
    status('Nothing changed');
    return false;
  }
  try {
    await api('PATCH', path, body);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) {
      fieldError(form, err.message);
      return false;
    }
    throw err;
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// One environment variable's row: name, value, Remove.
function envRow(v = { name: '', value: '' }) {
  const name = h('input', { name: 'env-name', 'aria-label': 'Variable name', maxlength: 128, value: v.name, 'data-key': v.name });
  const value = h('input', { name: 'env-value', 'aria-label': `Value of ${v.name || 'the new variable'}`, maxlength: 32768, value: v.value ?? '' });
  name.addEventListener('input', () => { name.dataset.key = name.value; });
  const row = h('div', { class: 'row env-row' }, name, value,
    h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${v.name || 'this variable'}`, onclick: () => row.remove() }, 'Remove'));
  return row;
}

export async function settingsView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db, ['Settings', null]);
  const settings = await api('GET', `/api/dbs/${enc(dbId)}/settings`);
  const facts = h('table', { class: 'facts' }, h('tbody', {},
    Object.entries({ id: db.id, readonlyId: db.readonlyId, owner: db.owner })
      .map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, String(v ?? ''))))));
  const environment = typeof settings.environment === 'object' && settings.environment !== null
    ? settings.environment.contents : settings.environment;
  // envVars: values for Admins, names only for Editors, null for the others.
  const envEditable = Array.isArray(settings.envVars) && settings.envVars.every((v) => typeof v.value === 'string');
  const envBox = h('div', { id: 'env-rows' }, envEditable ? settings.envVars.map((v) => envRow(v)) : []);
  const envSection = envEditable
    ? h('fieldset', { 'data-key': 'envVars' }, h('legend', {}, 'Environment variables (functions read them)'), envBox,
      h('button', { type: 'button', class: 'small', id: 'env-add', onclick: () => {
        if (envBox.children.length >= MAX_ENV_ROWS) return;
        const row = envRow();
        envBox.append(row);
        row.querySelector('input').focus();
      } }, 'Add a variable'))
    : h('p', { class: 'muted' }, Array.isArray(settings.envVars)
      ? `Environment variables: ${settings.envVars.map((v) => v.name).join(', ') || 'none'} (values: team Admins only)`
      : 'Environment variables: team Admins only');

  const form = h('form', { id: 'db-settings', 'aria-labelledby': 'db-settings-title' },
    h('h2', { id: 'db-settings-title' }, 'Settings'),
    field('Environment (a label such as production)', h('input', { name: 'environment', id: 'settings-environment', maxlength: 100, value: environment ?? '', 'data-key': 'environment' })),
    field('Visibility', h('select', { name: 'visibility', id: 'settings-visibility', 'data-key': 'visibility' },
      [['private', 'private: the team and its tokens'], ['public', 'public: anyone with the id may read']]
        .map(([v, label]) => h('option', { value: v, selected: v === settings.visibility }, label)))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'auditing', id: 'settings-auditing', checked: settings.auditing, 'data-key': 'auditing' }), ' Auditing: record every row change'),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'schemaLocked', id: 'settings-schema-locked', checked: settings.schemaLocked, 'data-key': 'schemaLocked' }), ' Schema locked: no table or column changes'),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'viewsTab', id: 'settings-views-tab', checked: settings.viewsTab, 'data-key': 'viewsTab' }), ' Views tab'),
    envSection,
    h('p', { class: 'error form-error', role: 'alert', id: 'settings-error' }),
    h('button', { type: 'submit', id: 'settings-save' }, 'Save settings'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    const env = form.environment.value.trim() === '' ? null : form.environment.value;
    if (env !== (environment ?? null)) body.environment = env;
    if (form.visibility.value !== settings.visibility) body.visibility = form.visibility.value;
    for (const key of ['auditing', 'schemaLocked', 'viewsTab']) {
      if (form[key].checked !== Boolean(settings[key])) body[key] = form[key].checked;
    }
    if (envEditable) {
      const vars = [...envBox.querySelectorAll('.env-row')].map((row) => ({
        name: row.querySelector('[name=env-name]').value, value: row.querySelector('[name=env-value]').value }));
      if (!same(vars, settings.envVars.map((v) => ({ name: v.name, value: v.value })))) body.envVars = vars;
    }
    if (await patchForm(form, `/api/dbs/${enc(dbId)}/settings`, body)) {
      await settingsView(dbId);
      status('Saved the settings');
    }
  });
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, `${db.name}: settings`), dbTabs(db, 'Settings'), facts, form);
}

// ---- the server's settings (server admins) ---------------------------------------------------

// A number input whose empty value means null.
const numberField = (label, key, value, attrs = {}) => field(label, h('input', {
  name: key, id: `server-${key.replaceAll('.', '-')}`, type: 'number', step: 1, min: 0, value: value ?? '', 'data-key': key, ...attrs,
}));
const numberOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

export async function serverSettingsView() {
  const live = viewGuard();
  crumbs([['Databases', '#/'], ['Server settings', null]]);
  const s = await api('GET', '/api/settings');
  const smtp = s.smtp
    ? `${s.smtp.url}, user ${s.smtp.username || '(none)'}, from ${s.smtp.from}, TLS ${s.smtp.tls}` +
      `${s.smtp.verifyPeer === false ? ' (certificate not verified)' : ''}, password ${s.smtp.passwordSet ? 'set (not shown)' : 'not set'}`
    : 'not configured: mail is not sent';
  const facts = h('table', { class: 'facts', id: 'server-facts' }, h('tbody', {}, [
    ['SMTP', smtp],
    ['Server-wide variables', `${(s.envVars ?? []).map((v) => v.name).join(', ') || 'none'} (values are not shown)`],
    ['Billing webhook key', s.paddleKeySet ? 'set (not shown)' : 'not set'],
    ['Plans', Object.keys(s.plans ?? {}).join(', ') || 'none'],
  ].map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))));

  const form = h('form', { id: 'server-settings', 'aria-labelledby': 'server-settings-title' },
    h('h2', { id: 'server-settings-title' }, 'Server settings'),
    field('Sign-up', h('select', { name: 'signUp', id: 'server-signUp', 'data-key': 'signUp' },
      ['open', 'invite-only', 'closed'].map((v) => h('option', { value: v, selected: v === s.signUp }, v)))),
    numberField('Session lifetime (hours, 1 to 8784)', 'sessionLifetimeHours', s.sessionLifetimeHours),
    numberField('Databases per team (empty: no limit)', 'limits.maxDatabasesPerTeam', s.limits?.maxDatabasesPerTeam),
    numberField('Database size in bytes (empty: the server\'s limit)', 'limits.maxDatabaseBytes', s.limits?.maxDatabaseBytes),
    numberField('Largest upload in bytes (empty: the server\'s cap)', 'maxUploadBytes', s.maxUploadBytes),
    field('Hosts functions may reach (one per line, name or name:port)', h('textarea', {
      name: 'allowedHosts', id: 'server-allowedHosts', rows: 3, maxlength: 20000, 'data-key': 'allowedHosts' })),
    field('Public URL (for links in mail)', h('input', { name: 'publicUrl', id: 'server-publicUrl', type: 'text', maxlength: 2000, value: s.publicUrl ?? '', 'data-key': 'publicUrl' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'anonymousDatabases', id: 'server-anonymousDatabases', checked: s.anonymousDatabases, 'data-key': 'anonymousDatabases' }),
      ' Anonymous databases (created without signing in, deleted after 10 days)'),
    numberField('Anonymous database size in bytes (empty: as above)', 'anonymousMaxDatabaseBytes', s.anonymousMaxDatabaseBytes),
    h('p', { class: 'error form-error', role: 'alert', id: 'server-settings-error' }),
    h('button', { type: 'submit', id: 'server-settings-save' }, 'Save server settings'));
  form.allowedHosts.value = (s.allowedHosts ?? []).join('\n');
  const input = (key) => form.querySelector(`[data-key="${key}"]`);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (form.signUp.value !== s.signUp) body.signUp = form.signUp.value;
    const hours = numberOrNull(input('sessionLifetimeHours'));
    if (hours !== s.sessionLifetimeHours) body.sessionLifetimeHours = hours;
    const limits = { maxDatabasesPerTeam: numberOrNull(input('limits.maxDatabasesPerTeam')),
      maxDatabaseBytes: numberOrNull(input('limits.maxDatabaseBytes')) };
    if (!same(limits, { maxDatabasesPerTeam: s.limits?.maxDatabasesPerTeam ?? null, maxDatabaseBytes: s.limits?.maxDatabaseBytes ?? null })) {
      body.limits = limits;
    }
    for (const key of ['maxUploadBytes', 'anonymousMaxDatabaseBytes']) {
      const v = numberOrNull(input(key));
      if (v !== (s[key] ?? null)) body[key] = v;
    }
    const hosts = form.allowedHosts.value.split('\n').map((x) => x.trim()).filter(Boolean);
    if (!same(hosts, s.allowedHosts ?? [])) body.allowedHosts = hosts;
    const url = form.publicUrl.value.trim() || null;
    if (url !== (s.publicUrl ?? null)) body.publicUrl = url;
    if (form.anonymousDatabases.checked !== Boolean(s.anonymousDatabases)) body.anonymousDatabases = form.anonymousDatabases.checked;
    if (await patchForm(form, '/api/settings', body)) {
      await serverSettingsView();
      status('Saved the server settings');
    }
  });
  if (!live()) return;
  show(h('h1', {}, 'Server settings'), facts, form);
}
