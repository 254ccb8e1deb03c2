// SPDX-License-Identifier: Apache-2.0
// Charts and dashboards: stored chart configs (GET /api/dbs/:id/charts) drawn with Apache
// ECharts from their rows (GET …/charts/:chartId/data: the headers' values, labels first);
// a form creates a chart (table, columns, type), another a dashboard (title, charts in order).
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

import { api } from './api.js';
import { dbCrumbs, dbTabs, loadDb } from './db.js';
import { confirmButton, field, h, show, status, viewGuard } from './dom.js';

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

// A chart's card: title, canvas, and a note when it is broken or truncated.
async function chartCard(dbId, chart, onDelete) {
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

  const cards = await Promise.all(charts.map((c) => chartCard(dbId, c, () => chartsView(dbId))));
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
    h('div', { id: 'dashboard', class: 'chart-grid' }, cards.length ? cards : h('p', {}, 'This dashboard has no charts.')));
}
