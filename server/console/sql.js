// SPDX-License-Identifier: Apache-2.0
// The SQL workbench: a CodeMirror 6 editor (SQLite dialect, the database's tables and columns
// for completion), Ctrl/Cmd+Enter or the button runs the script through POST /dbs/:id/sql, the
// rows land in a grid, and an error is shown with its line marked when SQLite names the token.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { SQLite, sql as sqlLanguage } from '@codemirror/lang-sql';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, keymap, lineNumbers } from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';
import { TabulatorFull as Tabulator } from 'tabulator-tables';

import { api } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { h, show, status, viewGuard } from './dom.js';

// The line of an error, marked until the next run.
const markError = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) {
      if (e.is(markError)) {
        marks = e.value === null ? Decoration.none
          : Decoration.set([Decoration.line({ class: 'cm-error-line' }).range(e.value)]);
      }
    }
    return tr.docChanged ? marks.map(tr.changes) : marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Where in the script an SQLite message points: `near "tok"` → that token's line.
function errorPosition(doc, message) {
  const near = message.match(/near "([^"]+)"/);
  if (!near) return null;
  const at = doc.toString().indexOf(near[1]);
  return at < 0 ? null : doc.lineAt(at);
}

export async function sqlView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db, ['SQL', null]);
  const first = db.tables[0]?.name;
  const schema = Object.fromEntries(db.tables.map((t) => [t.name, t.columns.map((c) => c.name)]));

  // Words to SQL (POST /api/dbs/:id/prompt): the answer goes into the editor, never run.
  const ask = h('form', { id: 'sql-ask', class: 'toolbar', 'aria-label': 'Write SQL from words' },
    h('label', { class: 'field grow' }, h('span', {}, 'Ask in words (AI)'),
      h('input', { name: 'prompt', id: 'sql-prompt', placeholder: 'e.g. the ten longest tracks', required: true })),
    h('button', { type: 'submit', id: 'sql-ask-submit' }, 'Write SQL'));
  ask.addEventListener('submit', async (e) => {
    e.preventDefault();
    errorEl.textContent = '';
    info.textContent = 'Asking the language model…';
    try {
      const answer = await api('POST', `/api/dbs/${encodeURIComponent(dbId)}/prompt`, { prompt: ask.prompt.value });
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: answer.sql } });
      info.textContent = `Suggested by ${answer.model}, not run: read it, then run it.`;
      view.focus();
    } catch (err) {
      info.textContent = '';
      errorEl.textContent = err.message;
    }
  });
  const editorEl = h('div', { id: 'sql-editor', class: 'editor' });
  const runButton = h('button', { type: 'button', id: 'sql-run' }, 'Run (Ctrl+Enter)');
  const info = h('p', { id: 'sql-info', class: 'muted', role: 'status' });
  const errorEl = h('p', { id: 'sql-error', class: 'error', role: 'alert' });
  const resultEl = h('div', { id: 'sql-result' });
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, `${db.name}: SQL`), dbTabs(db, 'SQL'),
    ask,
    h('label', { id: 'sql-label', for: 'sql-editor' }, 'SQL script (all statements run in one transaction)'),
    editorEl, h('div', { class: 'toolbar' }, runButton, info), errorEl, resultEl);

  let grid = null;
  async function run() {
    const query = view.state.doc.toString();
    errorEl.textContent = '';
    view.dispatch({ effects: markError.of(null) });
    info.textContent = 'Running…';
    grid?.destroy();
    grid = null;
    resultEl.replaceChildren();
    const answer = await api('POST', `/dbs/${encodeURIComponent(dbId)}/sql`, { query });
    if (answer.errors?.length) {
      const message = answer.errors[0].message;
      const line = errorPosition(view.state.doc, message);
      errorEl.textContent = line ? `Line ${line.number}: ${message}` : message;
      if (line) view.dispatch({ effects: markError.of(line.from) });
      info.textContent = '';
      return;
    }
    const rows = answer.rows || [];
    info.textContent = `${rows.length} row(s), ${answer.numChanges} change(s), ${(answer.runtimeSeconds * 1000).toFixed(1)} ms`;
    if (!rows.length) return;
    const gridEl = h('div', { 'aria-label': 'Result rows' });
    resultEl.append(gridEl);
    grid = new Tabulator(gridEl, {
      data: rows,
      columns: Object.keys(rows[0]).map((k) => ({ title: k, field: k, headerFilter: 'input' })),
      nestedFieldSeparator: false,
      layout: 'fitDataFill',
      pagination: true,
      paginationSize: 50,
      placeholder: 'No rows',
    });
    status(`Ran the script: ${rows.length} row(s)`);
  }

  const view = new EditorView({
    parent: editorEl,
    state: EditorState.create({
      doc: first ? `SELECT * FROM "${first.replaceAll('"', '""')}" LIMIT 100;` : 'SELECT sqlite_version();',
      extensions: [
        lineNumbers(),
        history(),
        errorLine,
        sqlLanguage({ dialect: SQLite, schema, upperCaseKeywords: true }),
        syntaxHighlighting(defaultHighlightStyle),
        syntaxHighlighting(classHighlighter),  // stable tok-* class names as well
        EditorView.lineWrapping,
        // CodeMirror's own <style> element carries the page's nonce (the CSP allows no other).
        EditorView.cspNonce.of(document.querySelector('meta[name=airsql-style-nonce]')?.content ?? ''),
        EditorView.contentAttributes.of({ 'aria-labelledby': 'sql-label' }),
        keymap.of([{ key: 'Mod-Enter', run: () => { run(); return true; } }, ...defaultKeymap, ...historyKeymap]),
      ],
    }),
  });
  runButton.addEventListener('click', run);
  view.focus();
  return view;
}
