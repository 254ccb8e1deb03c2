// SPDX-License-Identifier: Apache-2.0
// Functions of a database: the list (#/db/:id/functions) with a form for a new one, and one
// function (#/db/:id/function/:fid): its code in CodeMirror 6 (TypeScript highlighting; the
// server's `deno check` diagnostics drawn at their line and listed), name, description and
// public flag, its versions (open one in the editor, make it active again), a call from the
// page (method and JSON body → status and body) and the recorded invocations with their logs.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';

import { api } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { confirmButton, field, h, show, status, viewGuard } from './dom.js';

const enc = encodeURIComponent;
const MAX_CALL_BODY = 64 * 1024;  // what the page sends to a function (the server has its own cap)
const TEMPLATE = `export default async function (context) {
  console.log("called with", context.method)
  const { rows } = await context.sql("SELECT count(*) AS n FROM sqlite_master")
  return { data: rows[0].n }
}
`;

export async function functionsView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db, ['Functions', null]);
  const { functions } = await api('GET', `/api/dbs/${enc(dbId)}/functions`);
  const list = h('ul', { id: 'function-list', class: 'cards' }, functions.map((f) => h('li', { 'data-function-id': f.id },
    h('a', { href: `#/db/${enc(dbId)}/function/${enc(f.id)}`, class: 'db-name' }, f.name),
    h('span', { class: 'muted' }, ` ${f.versions.length} version(s) · ${f.activeVersion ? 'active' : 'no active version'}` +
      `${f.public ? ' · public' : ''}${f.description ? ` · ${f.description.slice(0, 80)}` : ''}`))));
  if (!functions.length) list.append(h('li', { class: 'muted' }, 'No functions yet.'));
  const form = h('form', { id: 'function-create', 'aria-labelledby': 'function-create-title' },
    h('h2', { id: 'function-create-title' }, 'New function'),
    field('Name', h('input', { name: 'name', id: 'function-create-name', required: true, maxlength: 200 })),
    h('p', { class: 'muted' }, 'It starts with a small example; edit it on its page. Calls go to /fns/<id>.'),
    h('button', { type: 'submit' }, 'Create function'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const created = await api('POST', `/api/dbs/${enc(dbId)}/functions`, { name: form.name.value, runtime: 'deno', content: TEMPLATE });
    location.hash = `#/db/${enc(dbId)}/function/${enc(created.id)}`;
  });
  if (!live()) return;
  show(h('h1', {}, `${db.name}: functions`), dbTabs(db, 'Functions'), list, form);
}

// deno check's diagnostics as CodeMirror diagnostics (line and column are 1-based; 0: none).
function toEditorDiagnostics(doc, diagnostics) {
  return diagnostics.map((d) => {
    const line = doc.line(Math.min(Math.max(d.line || 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((d.column || 1) - 1, 0), line.to);
    return { from, to: Math.max(from, Math.min(line.to, from + 1)), severity: 'error',
      message: d.code ? `${d.message} (${d.code})` : d.message };
  });
}

function invocationRows(invocations) {
  if (!invocations.length) return h('p', { class: 'muted', id: 'invocations' }, 'No calls yet.');
  return h('table', { id: 'invocations', class: 'list' },
    h('thead', {}, h('tr', {}, ['When', 'Status', 'Run time', 'Caller', 'Logs', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, invocations.map((inv) => h('tr', { 'data-invocation': inv.id },
      h('td', {}, inv.createdUtc.replace('T', ' ').slice(0, 19)),
      h('td', { class: 'status' }, String(inv.status)),
      h('td', { class: 'runtime' }, `${Number(inv.runtimeMs).toFixed(1)} ms`),
      h('td', {}, inv.request?.caller?.name ?? inv.request?.caller?.kind ?? ''),
      h('td', {}, inv.logs.length ? h('pre', { class: 'logs' }, inv.logs.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.message}`).join('\n')) : ''),
      h('td', { class: 'error' }, inv.error ?? '')))));
}

export async function functionView(dbId, funcId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  let fn = await api('GET', `/api/dbs/${enc(dbId)}/functions/${enc(funcId)}`);
  // No active version (the code did not parse): the newest version's code is what to fix.
  let draft = fn.content;
  let draftDiagnostics = fn.diagnostics ?? [];
  if (draft === null && fn.versions.length) {
    const newest = await api('GET', `/api/dbs/${enc(dbId)}/functions/${enc(funcId)}/versions/${enc(fn.versions.at(-1))}`);
    draft = newest.content;
    draftDiagnostics = newest.diagnostics ?? [];
  }
  if (!live()) return;
  dbCrumbs(db, ['Functions', `#/db/${enc(dbId)}/functions`], [fn.name, null]);
  const base = `/api/dbs/${enc(dbId)}/functions/${enc(funcId)}`;

  // ---- code, name, description, public
  const editorEl = h('div', { id: 'function-editor', class: 'editor tall' });
  const diagList = h('ul', { id: 'function-diagnostics', class: 'diagnostics', 'aria-live': 'polite' });
  const saveInfo = h('p', { id: 'function-info', class: 'muted', role: 'status' });
  const meta = h('form', { id: 'function-form', class: 'plain', 'aria-label': 'Function' },
    field('Name', h('input', { name: 'name', id: 'function-name', required: true, maxlength: 200, value: fn.name })),
    field('Description (Markdown)', h('textarea', { name: 'description', id: 'function-description', rows: 2, maxlength: 4000 })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'public', id: 'function-public', checked: fn.public }),
      ' Public: anyone may call it, without signing in'),
    h('label', { id: 'function-code-label', for: 'function-editor' }, 'Code (TypeScript or JavaScript; the default export is called)'),
    editorEl, diagList,
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', id: 'function-save' }, 'Save (Ctrl+S)'),
      h('button', { type: 'button', id: 'function-describe' }, 'Describe with AI'), saveInfo));
  meta.description.value = fn.description ?? '';

  function showDiagnostics(diagnostics) {
    view.dispatch(setDiagnostics(view.state, toEditorDiagnostics(view.state.doc, diagnostics)));
    diagList.replaceChildren(...diagnostics.map((d) => h('li', { class: d.syntax ? 'error' : '' },
      h('button', { type: 'button', class: 'link', onclick: () => goTo(d) }, d.line ? `Line ${d.line}, column ${d.column}` : 'Module'),
      `: ${d.message}${d.code ? ` (${d.code})` : ''}`)));
  }
  function goTo(d) {
    const line = view.state.doc.line(Math.min(Math.max(d.line || 1, 1), view.state.doc.lines));
    view.dispatch({ selection: { anchor: Math.min(line.from + Math.max(d.column - 1, 0), line.to) }, scrollIntoView: true });
    view.focus();
  }

  async function save() {
    const content = view.state.doc.toString();
    const body = { name: meta.name.value, description: meta.description.value || null, public: meta.public.checked };
    if (content !== fn.content) body.content = content;
    saveInfo.textContent = body.content ? 'Saving and checking (deno check)…' : 'Saving…';
    const answer = await api('PATCH', base, body);
    fn = await api('GET', base);
    showDiagnostics(answer.diagnostics);
    const problems = answer.diagnostics.length ? `, ${answer.diagnostics.length} diagnostic(s)` : ', no diagnostics';
    saveInfo.textContent = !body.content ? 'Saved (no code change: no new version)'
      : answer.active ? `Saved version ${answer.id}: active${problems}`
        : `Saved version ${answer.id}: NOT active, the code does not parse${problems}`;
    status(`Saved ${fn.name}`);
    renderVersions();
    dbCrumbs(db, ['Functions', `#/db/${enc(dbId)}/functions`], [fn.name, null]);
  }
  meta.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  meta.querySelector('#function-describe').addEventListener('click', async () => {
    saveInfo.textContent = 'Asking the language model…';
    try {
      const answer = await api('POST', `/api/dbs/${enc(dbId)}/prompt/describe-function`, { funcId, save: true });
      meta.description.value = answer.description;
      fn.description = answer.description;
      saveInfo.textContent = `Description written by ${answer.model} and saved.`;
    } catch (err) {
      saveInfo.textContent = `No description: ${err.message}`;
    }
  });

  const view = new EditorView({
    parent: editorEl,
    state: EditorState.create({
      doc: draft ?? '',
      extensions: [
        lineNumbers(), history(), lintGutter(),
        javascript({ typescript: true }),
        syntaxHighlighting(defaultHighlightStyle),
        syntaxHighlighting(classHighlighter),  // stable tok-* class names as well
        EditorView.cspNonce.of(document.querySelector('meta[name=airsql-style-nonce]')?.content ?? ''),
        EditorView.contentAttributes.of({ 'aria-labelledby': 'function-code-label' }),
        keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => { save(); return true; } },
          ...defaultKeymap, ...historyKeymap]),
      ],
    }),
  });

  // ---- versions
  const versionsEl = h('ol', { id: 'function-versions', class: 'versions' });
  function renderVersions() {
    versionsEl.replaceChildren(...fn.versions.map((v, i) => {
      const active = v === fn.activeVersion;
      return h('li', { 'data-version': v, class: active ? 'active' : '' },
        h('code', {}, v), active ? h('strong', {}, ' active ') : ' ',
        h('button', { type: 'button', class: 'small', 'aria-label': `Open version ${i + 1} in the editor`, onclick: async () => {
          const old = await api('GET', `${base}/versions/${enc(v)}`);
          view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: old.content ?? '' } });
          showDiagnostics(old.diagnostics ?? []);
          saveInfo.textContent = `Version ${i + 1} in the editor (saving makes it a new version)`;
        } }, 'Open'),
        active ? null : h('button', { type: 'button', class: 'small', 'aria-label': `Make version ${i + 1} active`, onclick: async () => {
          await api('POST', `${base}/republish`, { runtime: 'deno', version: v });
          fn = await api('GET', base);
          view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: fn.content ?? '' } });
          showDiagnostics(fn.diagnostics ?? []);
          status(`Version ${i + 1} of ${fn.name} is active again`);
          renderVersions();
        } }, 'Make active'));
    }));
  }
  renderVersions();

  // ---- a call from the page
  const callStatus = h('p', { id: 'call-status', role: 'status' });
  const callBody = h('pre', { id: 'call-body', class: 'output' });
  const callForm = h('form', { id: 'call-form', 'aria-labelledby': 'call-title' },
    h('h2', { id: 'call-title' }, 'Call it'),
    h('p', { class: 'muted' }, 'As you, at ', h('code', {}, `/fns/${fn.id}`), '.'),
    field('Method', h('select', { name: 'method', id: 'call-method' },
      ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m)))),
    field('JSON body', h('textarea', { name: 'body', id: 'call-input', rows: 3, maxlength: MAX_CALL_BODY, placeholder: '{"name": "Ann"}' })),
    h('p', { id: 'call-input-error', class: 'error field-error', role: 'alert' }),
    h('button', { type: 'submit', id: 'call-submit' }, 'Call'), callStatus, callBody);
  callForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const inputError = callForm.querySelector('#call-input-error');
    inputError.textContent = '';
    callForm.body.removeAttribute('aria-invalid');
    const method = callForm.method.value;
    const text = callForm.body.value.trim();
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (text && method !== 'GET' && method !== 'DELETE') {
      try {
        JSON.parse(text);
      } catch (err) {
        inputError.textContent = `Not JSON: ${err.message}`;
        callForm.body.setAttribute('aria-invalid', 'true');
        callForm.body.focus();
        return;
      }
      init.headers['Content-Type'] = 'application/json';
      init.body = text;
    }
    callStatus.textContent = 'Calling…';
    callBody.textContent = '';
    const t0 = performance.now();
    const res = await fetch(`/fns/${enc(fn.id)}`, init);
    const answer = await res.text();
    callStatus.textContent = `HTTP ${res.status} in ${(performance.now() - t0).toFixed(0)} ms`;
    callStatus.classList.toggle('error', !res.ok);
    let shown = answer;
    try {
      shown = JSON.stringify(JSON.parse(answer), null, 2);
    } catch { /* not JSON: shown as it is */ }
    callBody.textContent = shown.length > 100_000 ? `${shown.slice(0, 100_000)}\n… (cut)` : shown;
    await refreshInvocations();
  });

  // ---- invocations
  const invocationsBox = h('div', { id: 'invocations-box' });
  async function refreshInvocations() {
    try {
      const { invocations } = await api('GET', `${base}/invocations`);
      invocationsBox.replaceChildren(invocationRows(invocations.slice(0, 50)));
    } catch (err) {
      invocationsBox.replaceChildren(h('p', { class: 'muted', id: 'invocations' }, err.message));  // Editors and Admins only
    }
  }
  await refreshInvocations();

  const remove = confirmButton('Delete the function', `Really delete ${fn.name}?`, async () => {
    await api('DELETE', base);
    status(`Deleted ${fn.name}`);
    location.hash = `#/db/${enc(dbId)}/functions`;
  }, { id: 'function-delete' });
  if (!live()) {
    view.destroy();
    return;
  }
  show(h('h1', {}, `${db.name}: ${fn.name}`), dbTabs(db, 'Functions'), meta,
    h('h2', {}, 'Versions (oldest first)'), versionsEl,
    callForm,
    h('h2', {}, 'Calls (newest first) ', h('button', { type: 'button', class: 'small', id: 'invocations-refresh', onclick: refreshInvocations }, 'Refresh')),
    invocationsBox, h('p', {}, remove));
  showDiagnostics(draftDiagnostics);
  if (draft !== fn.content) saveInfo.textContent = 'No active version: the newest one (it does not parse) is in the editor.';
  else if (fn.activeVersion !== fn.versions.at(-1)) {
    saveInfo.textContent = 'The newest version is not active (it does not parse): the active one is in the editor; Open shows any version.';
  }
}
