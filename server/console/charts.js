// SPDX-License-Identifier: Apache-2.0
// Charts and dashboards: stored chart configs (GET /api/dbs/:id/charts) drawn with Apache
// ECharts from their rows (GET …/charts/:chartId/data: the headers' values, labels first);
// a form creates a chart (table, columns, type), another a dashboard (title, charts in order);
// each chart has an edit form (title, type, table and columns or a query, label rotation,
// hiding rows with nulls), and a dashboard page one for its title and charts in order.
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

import { api, ApiError } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { clearFieldErrors, confirmButton, field, fieldError, h, show, status, viewGuard } from './dom.js';

echarts.use([BarChart, LineChart, PieChart, ScatterChart, AriaComponent, GridComponent,
  LegendComponent, TooltipComponent, CanvasRenderer]);

const enc = encodeURIComponent;
const CHART_TYPES = ['ColumnChart', 'BarChart', 'LineChart', 'AreaChart', 'PieChart', 'ScatterChart'];

// The ECharts option for a chart config and its data ({headers, rows}).
function optionFor(chart, data) {
  let rows = data.rows;
  if (chart.hideNullValues) rows = rows.filter((r) => r.every((v) => v !== null));
  const labels = rows.map((r) => (r[0] === null ? '' : String(r[0])));
  const series = data.headers.slice(1).map((name, i) => ({ name, values: rows.map((r) => r[i + 1]) }));
  const base = { aria: { enabled: true }, tooltip: { trigger: chart.chartType === 'PieChart' ? 'item' : 'axis' },
    legend: { top: 0, type: 'scroll' }, animation: false };
  if (chart.chartType === 'PieChart') {
    return { ...base, series: [{ type: 'pie', name: series[0]?.name, radius: '60%', top: 24,
      data: labels.map((name, i) => ({ name, value: series[0]?.values[i] })) }] };
  }
  if (chart.chartType === 'ScatterChart') {
    return { ...base, xAxis: { type: 'value', name: data.headers[0] }, yAxis: { type: 'value' },
      series: series.map((s) => ({ type: 'scatter', name: s.name, data: rows.map((r, i) => [r[0], s.values[i]]) })) };
  }
  const horizontal = chart.chartType === 'BarChart';
  const category = { type: 'category', data: labels, inverse: horizontal,  // first row on top
    axisLabel: { rotate: horizontal ? 0 : chart.labelRotation || 0 } };
  const value = { type: 'value' };
  const type = chart.chartType === 'LineChart' || chart.chartType === 'AreaChart' ? 'line' : 'bar';
  return { ...base, grid: { containLabel: true, left: 8, right: 16, bottom: 8, top: 32 },
    xAxis: horizontal ? value : category, yAxis: horizontal ? category : value,
    series: series.map((s) => ({ type, name: s.name, data: s.values,
      areaStyle: chart.chartType === 'AreaChart' ? {} : undefined })) };
}

// The edit form of a chart, folded under its card: every field of PATCH …/charts/:chartId.
// Validation errors of the server are shown at their field.
function chartEditor(dbId, db, chart, onSaved) {
  const id = (name) => `chart-${chart.ulid}-${name}`;
  const source = chart.query !== null && chart.query !== undefined ? 'query' : 'table';
  const tableSelect = h('select', { name: 'table', id: id('table'), 'data-key': 'table' },
    db.tables.map((t) => h('option', { value: t.name, selected: t.name === chart.table }, t.name)));
  const columnsBox = h('fieldset', { class: 'columns-box', 'data-key': 'headers' });
  const fillColumns = () => {
    const table = db.tables.find((t) => t.name === tableSelect.value);
    const chosen = tableSelect.value === chart.table ? chart.headers : [];
    columnsBox.replaceChildren(h('legend', {}, 'Columns (labels first)'),
      ...(table?.columns ?? []).map((c) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'headers', value: c.name, checked: chosen.includes(c.name) }), ` ${c.name}`)));
  };
  tableSelect.addEventListener('change', fillColumns);
  fillColumns();
  const queryInput = h('textarea', { name: 'query', id: id('query'), rows: 3, maxlength: 10000, 'data-key': 'query' });
  queryInput.value = chart.query ?? '';
  const sourceRadio = (value, label) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'source', value, checked: source === value }), ` ${label}`);
  const form = h('form', { class: 'chart-edit plain', 'aria-label': `Edit the chart ${chart.title}` },
    field('Title', h('input', { name: 'title', id: id('title'), required: true, maxlength: 200, value: chart.title, 'data-key': 'title' })),
    field('Type', h('select', { name: 'chartType', id: id('type'), 'data-key': 'chartType' },
      CHART_TYPES.map((t) => h('option', { value: t, selected: t === chart.chartType }, t.replace('Chart', ''))))),
    h('fieldset', {}, h('legend', {}, 'Data from'), sourceRadio('table', 'a table'), sourceRadio('query', 'a query')),
    h('div', { class: 'source-table' }, field('Table', tableSelect), columnsBox),
    h('div', { class: 'source-query' }, field('Query (one SELECT; its columns, labels first)', queryInput)),
    field('Label rotation (degrees, -90 to 90)', h('input', { name: 'labelRotation', id: id('rotation'), type: 'number', step: 1,
      value: chart.labelRotation ?? 0, 'data-key': 'labelRotation' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'hideNullValues', id: id('hide-nulls'), checked: chart.hideNullValues,
      'data-key': 'hideNullValues' }), ' Hide rows with empty values'),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('button', { type: 'submit' }, 'Save chart'));
  const showSource = () => {
    const fromQuery = form.source.value === 'query';
    form.querySelector('.source-table').hidden = fromQuery;
    form.querySelector('.source-query').hidden = !fromQuery;
  };
  form.addEventListener('change', (e) => { if (e.target.name === 'source') showSource(); });
  showSource();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const fromQuery = form.source.value === 'query';
    const body = {
      title: form.title.value, chartType: form.chartType.value,
      labelRotation: Number(form.labelRotation.value || 0), hideNullValues: form.hideNullValues.checked,
      table: fromQuery ? null : tableSelect.value, query: fromQuery ? queryInput.value : null,
      // A query's columns are its own (empty: all of them).
      headers: fromQuery ? [] : [...columnsBox.querySelectorAll('input[name=headers]:checked')].map((i) => i.value),
    };
    try {
      await api('PATCH', `/api/dbs/${enc(dbId)}/charts/${enc(chart.ulid)}`, body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        fieldError(form, err.message);
        return;
      }
      throw err;
    }
    status(`Saved the chart ${body.title}`);
    await onSaved();
  });
  return h('details', { class: 'chart-edit-box' }, h('summary', {}, 'Edit'), form);
}

// A chart's card: title, canvas, and a note when it is broken or truncated.
async function chartCard(dbId, chart, onDelete, db) {
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': chart.title });
  const card = h('figure', { class: 'chart', 'data-chart-id': chart.ulid },
    h('figcaption', {}, `${chart.title} `, h('span', { class: 'muted' }, `${chart.chartType} of ${chart.table ?? 'a query'}`)),
    plot);
  if (onDelete) {
    card.querySelector('figcaption').append(' ', confirmButton('Delete', `Really delete ${chart.title}?`, async () => {
      await api('DELETE', `/api/dbs/${enc(dbId)}/charts/${enc(chart.ulid)}`);
      status(`Deleted the chart ${chart.title}`);
      await onDelete();
    }, { class: 'small', 'aria-label': `Delete the chart ${chart.title}` }));
  }
  if (db) card.append(chartEditor(dbId, db, chart, onDelete));
  if (chart.broken) {
    plot.replaceWith(h('p', { class: 'error' }, `Broken: ${chart.brokenReason}`));
    return card;
  }
  const data = await api('GET', `/api/dbs/${enc(dbId)}/charts/${enc(chart.ulid)}/data`);
  if (data.truncated) card.append(h('p', { class: 'muted' }, 'Only the first 10,000 rows are shown.'));
  queueMicrotask(() => {
    const instance = echarts.init(plot, null, { renderer: 'canvas' });
    instance.on('finished', () => plot.setAttribute('data-rendered', 'true'));
    instance.setOption(optionFor(chart, data));
    new ResizeObserver(() => instance.resize()).observe(plot);
  });
  return card;
}

export async function chartsView(dbId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  if (!live()) return;
  dbCrumbs(db, ['Charts', null]);
  const [{ charts }, { dashboards }] = await Promise.all([
    api('GET', `/api/dbs/${enc(dbId)}/charts`), api('GET', `/api/dbs/${enc(dbId)}/dashboards`)]);

  // A new chart: a table, its columns (the first one labels the points), a type.
  const tableSelect = h('select', { name: 'table', id: 'chart-table', required: true },
    db.tables.map((t) => h('option', { value: t.name }, t.name)));
  const columnsBox = h('fieldset', { id: 'chart-columns' });
  const fillColumns = () => {
    const table = db.tables.find((t) => t.name === tableSelect.value);
    columnsBox.replaceChildren(h('legend', {}, 'Columns (labels first)'),
      ...(table?.columns ?? []).map((c, i) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'headers', value: c.name, checked: i < 2 }), ` ${c.name}`)));
  };
  tableSelect.addEventListener('change', fillColumns);
  fillColumns();
  const chartForm = h('form', { id: 'chart-form', 'aria-labelledby': 'chart-form-title' },
    h('h2', { id: 'chart-form-title' }, 'New chart'),
    field('Title', h('input', { name: 'title', id: 'chart-title', required: true })),
    field('Table', tableSelect), columnsBox,
    field('Type', h('select', { name: 'chartType', id: 'chart-type' },
      CHART_TYPES.map((t) => h('option', { value: t }, t.replace('Chart', ''))))),
    h('button', { type: 'submit', id: 'chart-submit' }, 'Create chart'));
  chartForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const headers = [...chartForm.querySelectorAll('input[name=headers]:checked')].map((i) => i.value);
    await api('POST', `/api/dbs/${enc(dbId)}/charts`, {
      title: chartForm.title.value, table: tableSelect.value, headers,
      chartType: chartForm.chartType.value, hideNullValues: false, labelRotation: 0,
    });
    status(`Created the chart ${chartForm.title.value}`);
    await chartsView(dbId);
  });

  const dashForm = h('form', { id: 'dashboard-form', 'aria-labelledby': 'dashboard-form-title' },
    h('h2', { id: 'dashboard-form-title' }, 'New dashboard'),
    field('Title', h('input', { name: 'title', id: 'dashboard-title', required: true })),
    h('fieldset', {}, h('legend', {}, 'Charts, in this order'),
      charts.map((c) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'charts', value: c.ulid, checked: true }), ` ${c.title}`))),
    h('button', { type: 'submit', id: 'dashboard-submit', disabled: !charts.length }, 'Create dashboard'));
  dashForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = [...dashForm.querySelectorAll('input[name=charts]:checked')].map((i) => i.value);
    const created = await api('POST', `/api/dbs/${enc(dbId)}/dashboards`, { title: dashForm.title.value, charts: ids });
    location.hash = `#/db/${enc(dbId)}/dashboard/${enc(created.ulid)}`;
  });

  const dashList = h('ul', { id: 'dashboard-list' }, dashboards.map((d) => h('li', {},
    h('a', { href: `#/db/${enc(dbId)}/dashboard/${enc(d.ulid)}` }, d.title),
    h('span', { class: 'muted' }, ` ${d.charts.length} chart(s) `),
    confirmButton('Delete', `Really delete ${d.title}?`, async () => {
      await api('DELETE', `/api/dbs/${enc(dbId)}/dashboards/${enc(d.ulid)}`);
      status(`Deleted the dashboard ${d.title}`);
      await chartsView(dbId);
    }, { class: 'small', 'aria-label': `Delete the dashboard ${d.title}` }))));
  if (!dashboards.length) dashList.append(h('li', { class: 'muted' }, 'No dashboards yet.'));

  const cards = await Promise.all(charts.map((c) => chartCard(dbId, c, () => chartsView(dbId), db)));
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, `${db.name}: charts`), dbTabs(db, 'Charts'),
    h('h2', {}, 'Dashboards'), dashList,
    h('h2', {}, 'Charts'), h('div', { id: 'charts', class: 'chart-grid' },
      cards.length ? cards : h('p', { class: 'muted' }, 'No charts yet.')),
    h('div', { class: 'columns' }, chartForm, dashForm));
}

export async function dashboardView(dbId, dashboardId) {
  const live = viewGuard();
  const db = await loadDb(dbId);
  const [{ charts }, { dashboards }] = await Promise.all([
    api('GET', `/api/dbs/${enc(dbId)}/charts`), api('GET', `/api/dbs/${enc(dbId)}/dashboards`)]);
  const dashboard = dashboards.find((d) => d.ulid === dashboardId);
  if (!dashboard) throw new Error('no such dashboard');
  if (!live()) return;
  dbCrumbs(db, ['Charts', `#/db/${enc(dbId)}/charts`], [dashboard.title, null]);
  const byId = new Map(charts.map((c) => [c.ulid, c]));
  const cards = await Promise.all(dashboard.charts.map((id) => id?.ulid ?? id)
    .filter((id) => byId.has(id)).map((id) => chartCard(dbId, byId.get(id))));
  if (!live()) return;  // the visitor went elsewhere meanwhile
  show(h('h1', {}, dashboard.title), dbTabs(db, 'Charts'),
    h('div', { id: 'dashboard', class: 'chart-grid' }, cards.length ? cards : h('p', {}, 'This dashboard has no charts.')),
    dashboardEditor(dbId, dashboard, charts));
}

// A dashboard's title and its charts in order: every chart of the database is listed, the
// dashboard's first (in their order), a checkbox puts it on, Up and Down move it.
function dashboardEditor(dbId, dashboard, charts) {
  const byId = new Map(charts.map((c) => [c.ulid, c]));
  const onBoard = dashboard.charts.map((id) => id?.ulid ?? id).filter((id) => byId.has(id));
  const order = [...onBoard, ...charts.map((c) => c.ulid).filter((id) => !onBoard.includes(id))];
  const list = h('ol', { id: 'dashboard-edit-charts', class: 'order' });
  const move = (li, delta) => {
    const sibling = delta < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (delta < 0) sibling.before(li);
    else sibling.after(li);
    li.querySelector(`button[data-move="${delta < 0 ? 'up' : 'down'}"]`).focus();
  };
  for (const id of order) {
    const c = byId.get(id);
    const li = h('li', { 'data-chart-id': id },
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'charts', value: id, checked: onBoard.includes(id) }), ` ${c.title}`),
      ' ', h('button', { type: 'button', class: 'small', 'data-move': 'up', 'aria-label': `Move ${c.title} up` }, 'Up'),
      ' ', h('button', { type: 'button', class: 'small', 'data-move': 'down', 'aria-label': `Move ${c.title} down` }, 'Down'));
    li.querySelector('[data-move=up]').addEventListener('click', () => move(li, -1));
    li.querySelector('[data-move=down]').addEventListener('click', () => move(li, 1));
    list.append(li);
  }
  const form = h('form', { id: 'dashboard-edit', 'aria-labelledby': 'dashboard-edit-title' },
    h('h2', { id: 'dashboard-edit-title' }, 'Edit the dashboard'),
    field('Title', h('input', { name: 'title', id: 'dashboard-edit-name', required: true, maxlength: 200, value: dashboard.title, 'data-key': 'title' })),
    h('fieldset', { 'data-key': 'charts' }, h('legend', {}, 'Charts, in this order'), list),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('button', { type: 'submit', id: 'dashboard-edit-submit' }, 'Save dashboard'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const ids = [...list.querySelectorAll('input[name=charts]:checked')].map((i) => i.value);
    try {
      await api('PATCH', `/api/dbs/${enc(dbId)}/dashboards/${enc(dashboard.ulid)}`, { title: form.title.value, charts: ids });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        fieldError(form, err.message);
        return;
      }
      throw err;
    }
    status(`Saved the dashboard ${form.title.value}`);
    await dashboardView(dbId, dashboard.ulid);
  });
  return form;
}
