// SPDX-License-Identifier: Apache-2.0
// What every page of one database shares: loading it, its tabs and its breadcrumbs.
import { api } from './api.js';
import { crumbs, h } from './dom.js';

const enc = encodeURIComponent;

export async function loadDb(dbId) {
  return api('GET', `/api/dbs/${enc(dbId)}`);
}

// The tabs of a database page; `current` is the active one.
export function dbTabs(db, current) {
  const base = `#/db/${enc(db.id)}`;
  const tabs = [['Tables', base], ['SQL', `${base}/sql`], ['Charts', `${base}/charts`],
    ['Functions', `${base}/functions`], ['Apps', `${base}/apps`], ['Settings', `${base}/settings`]];
  return h('nav', { class: 'tabs', 'aria-label': 'Database' },
    tabs.map(([label, href]) => h('a', { href, 'aria-current': label === current ? 'page' : null }, label)),
    h('a', { href: `/dbs/${enc(db.id)}/graphql`, id: 'graphql-link' }, 'GraphQL playground ↗'));
}

export function dbCrumbs(db, ...rest) {
  crumbs([['Databases', '#/'], [db.name, rest.length ? `#/db/${enc(db.id)}` : null], ...rest]);
}

