// SPDX-License-Identifier: Apache-2.0
// A table as a spreadsheet grid (tabulator-tables): pages, sorting and filtering are done by the
// server (SELECT … WHERE … ORDER BY … LIMIT … OFFSET through POST /dbs/:id/sql), so a table of
// any size opens at once; an edited cell is saved with an UPDATE of that row, by primary key
// (else rowid); rows are added and deleted the same way.
import { TabulatorFull as Tabulator } from 'tabulator-tables';

import { ident, literal, sql } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { descriptionPanel } from './describe.js';
import { api } from './api.js';
import { confirmButton, field, h, show, status, viewGuard } from './dom.js';

const PAGE_SIZE = 50;
const isFileColumn = (c) => /^BLOB/i.test(c.sqliteDataType || '');
const ROWID = '__airsql_rowid';

export async function tableView(dbId, tableName) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  const table = db.tables.find((t) => t.name === tableName);
  if (!table) throw new Error(`no table ${tableName} in ${db.name}`);
  if (!live()) return;
  dbCrumbs(db, [tableName, null]);
  const editable = table.tableType === 'Table';
  const keys = table.columns.filter((c) => c.isPrimaryKey).map((c) => c.name);
  const byRowid = editable && keys.length === 0;
  const typeOf = Object.fromEntries(table.columns.map((c) => [c.name, c.sqliteDataType || '']));
  const from = ident(tableName);

  // The WHERE clause that picks one row (its key values as loaded).
  const whereRow = (row, old = {}) => (byRowid
    ? `rowid = ${Number(row[ROWID])}`
    : keys.map((k) => `${ident(k)} = ${literal(k in old ? old[k] : row[k], typeOf[k])}`).join(' AND '));

  // File cells (columns whose type starts with BLOB): download and upload through the file
  // routes, by the row's single primary key or its rowid.
  const fileKey = byRowid ? 'rowid' : (keys.length === 1 ? keys[0] : null);
  const fileUrl = (column, row) => `/api/dbs/${encodeURIComponent(dbId)}/tables/${encodeURIComponent(tableName)}` +
    `/columns/${encodeURIComponent(column)}/files/${encodeURIComponent(fileKey)}/` +
    encodeURIComponent(String(byRowid ? row[ROWID] : row[fileKey]));
  function fileCell(cell, column) {
    const row = cell.getRow().getData();
    const url = fileUrl(column, row);
    const input = h('input', { type: 'file', hidden: true, 'aria-hidden': 'true', tabindex: -1 });
    const upload = h('button', { type: 'button', class: 'small', disabled: !editable },
      cell.getValue() === null ? 'Upload' : 'Replace');
    upload.addEventListener('click', (e) => { e.stopPropagation(); input.click(); });
    input.addEventListener('change', async () => {
      if (!input.files.length) return;
      const form = new FormData();
      form.append('file', input.files[0]);
      try {
        await api('PUT', url, form);
        status(`Stored ${input.files[0].name} in ${column}`);
        await grid.replaceData();
      } catch (err) {
        status(`Not stored: ${err.message}`, true);
      }
    });
    const link = cell.getValue() === null ? null
      : h('a', { href: url, download: '', onclick: (e) => e.stopPropagation() }, 'Download');
    return h('span', { class: 'file-cell' }, link, ' ', upload, input);
  }

  async function load(_url, _config, params) {
    const where = (params.filter || []).filter((f) => f.value !== '' && f.value !== null)
      .map((f) => `instr(lower(CAST(${ident(f.field)} AS TEXT)), lower(${literal(f.value)})) > 0`);
    const whereSql = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const order = (params.sort || []).map((s) => `${ident(s.field)} ${s.dir === 'desc' ? 'DESC' : 'ASC'}`);
    const orderSql = order.length ? ` ORDER BY ${order.join(', ')}` : (byRowid ? ' ORDER BY rowid' : '');
    const size = params.size || PAGE_SIZE;
    const page = Math.max(1, params.page || 1);
    const select = byRowid ? `rowid AS ${ident(ROWID)}, *` : '*';
    const [count, rows] = await Promise.all([
      sql(dbId, `SELECT count(*) AS n FROM ${from}${whereSql}`),
      sql(dbId, `SELECT ${select} FROM ${from}${whereSql}${orderSql} LIMIT ${size} OFFSET ${(page - 1) * size}`),
    ]);
    const total = count.rows[0].n;
    counter.textContent = `${total} row(s)`;
    return { last_page: Math.max(1, Math.ceil(total / size)), last_row: total, data: rows.rows };
  }

  const counter = h('span', { id: 'row-count', class: 'muted' });
  const gridEl = h('div', { id: 'grid', 'aria-label': `Rows of ${tableName}` });
  const addButton = h('button', { type: 'button', id: 'add-row', disabled: !editable }, 'Add row');
  const deleteButton = h('button', { type: 'button', id: 'delete-rows', disabled: true }, 'Delete selected rows');

  const described = await api('GET', `/api/dbs/${encodeURIComponent(dbId)}/tables/${encodeURIComponent(tableName)}`);
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, tableName), descriptionPanel(dbId, 'table', described.description, tableName), dbTabs(db, 'Tables'),
    editable ? columnsPanel(db, table) : null,
    h('div', { class: 'toolbar' }, addButton, deleteButton, counter,
      h('a', { href: `/api/dbs/${encodeURIComponent(dbId)}/tables/${encodeURIComponent(tableName)}/export?format=csv` }, 'Export CSV')),
    editable ? null : h('p', { class: 'muted' }, 'A view: read only.'),
    gridEl);

  const grid = new Tabulator(gridEl, {
    ajaxURL: `sql:${dbId}:${tableName}`,
    ajaxRequestFunc: load,
    pagination: true,
    paginationMode: 'remote',
    paginationSize: PAGE_SIZE,
    paginationSizeSelector: [25, 50, 100, 500],
    sortMode: 'remote',
    filterMode: 'remote',
    nestedFieldSeparator: false,
    layout: 'fitDataFill',
    height: 'calc(100vh - 16rem)',
    placeholder: 'No rows',
    selectableRows: editable ? true : false,
    editTriggerEvent: 'dblclick',  // a click selects the row; double-click (or Enter) edits
    columnDefaults: { headerFilterPlaceholder: 'filter…', maxWidth: 400 },
    columns: table.columns.map((c) => (isFileColumn(c) && fileKey ? {
      title: c.name,
      field: c.name,
      headerSort: false,
      formatter: (cell) => fileCell(cell, c.name),
    } : {
      title: c.name,
      field: c.name,
      headerFilter: 'input',
      editor: editable && !c.isGenerated ? 'input' : false,
    })),
  });

  // Keyboard: Tab reaches each editable cell; Enter or F2 edits it (Enter saves, Escape
  // cancels), Space selects or unselects its row.
  gridEl.addEventListener('keydown', (e) => {
    const el = e.target;
    if (!el.classList?.contains('tabulator-cell') || el.classList.contains('tabulator-editing')) return;
    const row = grid.getRows().find((r) => r.getElement().contains(el));
    if (!row) return;
    if (e.key === 'Enter' || e.key === 'F2') {
      e.preventDefault();
      row.getCell(el.getAttribute('tabulator-field'))?.edit(true);
    } else if (e.key === ' ' && editable) {
      e.preventDefault();
      row.toggleSelect();
    }
  });

  grid.on('rowSelectionChanged', (data) => {
    deleteButton.disabled = !editable || data.length === 0;
    deleteButton.textContent = data.length ? `Delete ${data.length} selected row(s)` : 'Delete selected rows';
  });

  grid.on('cellEdited', async (cell) => {
    const column = cell.getField();
    const row = cell.getRow().getData();
    const value = cell.getValue();
    const old = { [column]: cell.getOldValue() };
    try {
      const answer = await sql(dbId,
        `UPDATE ${from} SET ${ident(column)} = ${literal(value, typeOf[column])} WHERE ${whereRow(row, old)}`);
      if (answer.numChanges !== 1) throw new Error(`${answer.numChanges} rows changed, not 1`);
      cell.getElement().classList.add('saved');
      status(`Saved ${column} = ${value}`);
    } catch (err) {
      cell.restoreOldValue();
      status(`Not saved: ${err.message}`, true);
    }
  });

  addButton.addEventListener('click', async () => {
    try {
      await sql(dbId, `INSERT INTO ${from} DEFAULT VALUES`);
      await grid.setData();
      await grid.setPage(grid.getPageMax());
      status('Row added (at the end)');
    } catch (err) {
      status(`Row not added: ${err.message}`, true);
    }
  });

  deleteButton.addEventListener('click', async () => {
    const rows = grid.getSelectedData();
    if (!rows.length) return;
    try {
      await sql(dbId, `DELETE FROM ${from} WHERE ${rows.map((r) => `(${whereRow(r)})`).join(' OR ')}`);
      status(`Deleted ${rows.length} row(s)`);
      await grid.setData();
    } catch (err) {
      status(`Not deleted: ${err.message}`, true);
    }
  });
  return grid;
}

const TYPES = ['TEXT', 'INTEGER', 'REAL', 'NUMERIC', 'BLOB'];

// The table's structure through the table routes: add, rename/retype or drop a column, drop
// the table. Each change re-opens the table.
function columnsPanel(db, table) {
  const base = `/api/dbs/${encodeURIComponent(db.id)}/tables/${encodeURIComponent(table.name)}`;
  const reopen = () => tableView(db.id, table.name);
  const typeSelect = (id, withKeep) => h('select', { name: 'type', id },
    withKeep ? h('option', { value: '' }, '(unchanged)') : null, TYPES.map((t) => h('option', { value: t }, t)));
  const columnSelect = (id) => h('select', { name: 'column', id },
    table.columns.map((c) => h('option', { value: c.name }, `${c.name} (${c.sqliteDataType || 'any'})`)));

  const add = h('form', { id: 'column-add', 'aria-label': 'Add a column' },
    field('New column', h('input', { name: 'name', id: 'column-add-name', required: true })),
    field('Type', typeSelect('column-add-type')),
    h('button', { type: 'submit' }, 'Add column'));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    await api('PUT', `${base}/columns/${encodeURIComponent(add.name.value)}`, { sqliteDataType: add.type.value });
    await reopen();
    status(`Added the column ${add.name.value}`);
  });

  const change = h('form', { id: 'column-change', 'aria-label': 'Rename or retype a column' },
    field('Column', columnSelect('column-change-column')),
    field('New name', h('input', { name: 'name', id: 'column-change-name' })),
    field('New type', typeSelect('column-change-type', true)),
    h('button', { type: 'submit' }, 'Change column'));
  change.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (change.name.value) body.name = change.name.value;
    if (change.type.value) body.sqliteDataType = change.type.value;
    await api('PATCH', `${base}/columns/${encodeURIComponent(change.column.value)}`, body);
    await reopen();
    status(`Changed the column ${change.column.value}`);
  });

  const dropColumn = columnSelect('column-drop-column');
  const drop = h('div', { class: 'toolbar' }, field('Drop column', dropColumn),
    confirmButton('Drop column', 'Really drop it?', async () => {
      await api('DELETE', `${base}/columns/${encodeURIComponent(dropColumn.value)}`);
      await reopen();
      status(`Dropped the column ${dropColumn.value}`);
    }, { id: 'column-drop' }),
    confirmButton('Drop table', `Really drop ${table.name}?`, async () => {
      await api('DELETE', base);
      location.hash = `#/db/${encodeURIComponent(db.id)}`;
      status(`Dropped the table ${table.name}`);
    }, { id: 'table-drop' }));

  return h('details', { id: 'columns-panel' }, h('summary', {}, 'Columns and table'),
    h('div', { class: 'columns' }, add, change), drop);
}
