// SPDX-License-Identifier: Apache-2.0
// Apps of a database (#/db/:id/apps): the uploaded bundles with a link that opens each (served
// sandboxed at /dbs/:id/apps/:appId, with a session scoped to this database), an upload form
// (a zip with an index.html, or one HTML file), replacing an app's files, and deleting it.
import { api } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { confirmButton, field, h, show, status, viewGuard } from './dom.js';

const enc = encodeURIComponent;

function bundleForm(id, label, extra = []) {
  return h('form', { id, class: 'app-upload' },
    ...extra,
    field(label, h('input', { type: 'file', name: 'file', id: `${id}-file`, required: true, accept: '.zip,.html,.htm' })),
    h('button', { type: 'submit' }, 'Upload'));
}

export async function appsView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db, ['Apps', null]);
  const { apps } = await api('GET', `/api/dbs/${enc(dbId)}/apps`);
  const list = h('ul', { id: 'app-list', class: 'cards' });
  for (const app of apps) {
    const replace = bundleForm(`app-replace-${app.id}`, `New files for ${app.name}`);
    replace.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = new FormData();
      body.append('file', replace.file.files[0]);
      try {
        await api('PUT', `/api/dbs/${enc(dbId)}/apps/${enc(app.id)}`, body);
        status(`Replaced the files of ${app.name}`);
        appsView(dbId);
      } catch (err) {
        status(`Not replaced: ${err.message}`, true);
      }
    });
    list.append(h('li', { 'data-app-id': app.id },
      h('a', { href: `/dbs/${enc(dbId)}/apps/${enc(app.id)}/`, class: 'db-name', target: '_blank', rel: 'noopener' },
        app.title || app.name),
      h('span', { class: 'muted' }, ` ${app.name} · ${app.fileCount} file(s) · ${app.sizeBytes} bytes · updated ${app.updatedUtc}`),
      h('details', {}, h('summary', {}, 'Replace or delete'), replace,
        confirmButton('Delete app', `Really delete ${app.name}?`, async () => {
          await api('DELETE', `/api/dbs/${enc(dbId)}/apps/${enc(app.id)}`);
          status(`Deleted ${app.name}`);
          appsView(dbId);
        }, { 'aria-label': `Delete ${app.name}` }))));
  }
  if (!apps.length) list.append(h('li', { class: 'muted' }, 'No apps yet.'));
  const upload = bundleForm('app-upload', 'Bundle (a zip with an index.html, or one HTML file)', [
    h('h2', { id: 'app-upload-title' }, 'New app'),
    field('Name (letters, digits, - _ .)', h('input', { name: 'name', id: 'app-upload-name', maxlength: 100 })),
    field('Title', h('input', { name: 'title', id: 'app-upload-title-input', maxlength: 200 })),
  ]);
  upload.setAttribute('aria-labelledby', 'app-upload-title');
  upload.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = new FormData();
    if (upload.name.value) body.append('name', upload.name.value);
    if (upload.title.value) body.append('title', upload.title.value);
    body.append('file', upload.file.files[0]);
    try {
      const created = await api('POST', `/api/dbs/${enc(dbId)}/apps`, body);
      status(`Uploaded ${created.name}`);
      appsView(dbId);
    } catch (err) {
      status(`Not uploaded: ${err.message}`, true);
    }
  });
  if (!live()) return;
  show(h('h1', {}, `${db.name}: apps`), dbTabs(db, 'Apps'),
    h('p', { class: 'muted' }, 'Apps run sandboxed in their own origin, with a 30-minute session that reaches only this database, with the visitor\'s rights.'),
    list, upload);
}
