// SPDX-License-Identifier: Apache-2.0
// Teams: the caller's teams (#/teams) and one team (#/team/:name): its members with their roles
// (changed, removed; a user added by username), invitations by email (POST /api/users/invite:
// a mail with a sign-up link) and the team's API tokens (masked). What a member may do is the
// server's decision: a Viewer sees the list, and the server's refusals land in the status line.
import { api } from './api.js';
import { confirmButton, crumbs, field, h, show, status, viewGuard } from './dom.js';

const enc = encodeURIComponent;
const ROLES = ['Viewer', 'Editor', 'Admin'];
const user = () => localStorage.getItem('airsql.username') || '';

// The highest of a member's roles (the server keeps a list; the console sets one).
const topRole = (roles) => ROLES.filter((r) => roles.includes(r)).pop() ?? 'Viewer';

export async function teamsView() {
  const live = viewGuard();
  crumbs([['Databases', '#/'], ['Teams', null]]);
  const me = await api('GET', `/api/users/${enc(user())}`);
  const list = h('ul', { id: 'team-list', class: 'cards' }, me.teams.map((t) => h('li', {},
    h('a', { href: `#/team/${enc(t.name)}`, class: 'db-name' }, t.name),
    h('span', { class: 'muted' }, ` ${t.numberOfDatabases} database(s)`))));
  const form = h('form', { id: 'team-create', 'aria-labelledby': 'team-create-title' },
    h('h2', { id: 'team-create-title' }, 'New team'),
    field('Name', h('input', { name: 'name', id: 'team-create-name', required: true, minlength: 2, maxlength: 64 })),
    h('button', { type: 'submit' }, 'Create team'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const created = await api('POST', '/api/teams', { name: form.name.value });
    location.hash = `#/team/${enc(created.name)}`;
  });
  if (!live()) return;
  show(h('h1', {}, 'Teams'), list, form);
}

function membersTable(team, members, reload) {
  const rows = members.map((m) => {
    const select = h('select', { 'aria-label': `Role of ${m.username}`, class: 'role' },
      ROLES.map((r) => h('option', { value: r, selected: r === topRole(m.roles) }, r)));
    const save = h('button', { type: 'button', class: 'small', 'aria-label': `Save the role of ${m.username}` }, 'Save role');
    save.addEventListener('click', async () => {
      await api('PATCH', `/api/teams/${enc(team)}/members/${enc(m.username)}`, { roles: [select.value] });
      status(`${m.username} is now ${select.value}`);
      await reload();
    });
    const remove = confirmButton('Remove', `Really remove ${m.username}?`, async () => {
      await api('DELETE', `/api/teams/${enc(team)}/members/${enc(m.username)}`);
      status(`Removed ${m.username} from ${team}`);
      if (m.username === user()) location.hash = '#/teams';
      else await reload();
    }, { class: 'small', 'aria-label': `Remove ${m.username}` });
    return h('tr', { 'data-member': m.username },
      h('th', { scope: 'row' }, m.username), h('td', {}, m.roles.join(', ')),
      h('td', {}, h('span', { class: 'toolbar tight' }, select, save, remove)),
      h('td', { class: 'muted' }, m.createdUtc?.slice(0, 10) ?? ''));
  });
  return h('table', { id: 'member-list', class: 'list' },
    h('thead', {}, h('tr', {}, ['Member', 'Roles', 'Change', 'Since'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows));
}

function tokensTable(tokens) {
  if (!tokens.length) return h('p', { class: 'muted', id: 'team-tokens' }, 'No tokens. ', h('a', { href: '#/tokens' }, 'Make one'));
  return h('table', { id: 'team-tokens', class: 'list' },
    h('thead', {}, h('tr', {}, ['Name', 'Token', 'Permissions', 'Expires'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, tokens.map((t) => h('tr', { 'data-token-id': t.id },
      h('td', {}, t.name), h('td', {}, h('code', {}, t.body)),
      h('td', {}, t.permissions.map((p) => `${p.db_name ?? p.db_id}: ${p.name}`).join(', ')),
      h('td', {}, t.expiration_utc ?? 'never')))));
}

export async function teamView(team) {
  const live = viewGuard();
  crumbs([['Databases', '#/'], ['Teams', '#/teams'], [team, null]]);
  const { members } = await api('GET', `/api/teams/${enc(team)}/members`);
  // Tokens are for the team's Admins: others see why not.
  const tokens = await api('GET', `/api/teams/${enc(team)}/tokens`).then((t) => tokensTable(t.tokens),
    (err) => h('p', { class: 'muted', id: 'team-tokens' }, err.message));
  const reload = () => teamView(team);

  const add = h('form', { id: 'member-add', 'aria-labelledby': 'member-add-title' },
    h('h2', { id: 'member-add-title' }, 'Add a user'),
    field('Username', h('input', { name: 'username', id: 'member-add-name', required: true, maxlength: 64 })),
    field('Role', h('select', { name: 'role', id: 'member-add-role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'Editor' }, r)))),
    h('button', { type: 'submit' }, 'Add'));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    await api('PATCH', `/api/teams/${enc(team)}/members/${enc(add.username.value)}`, { roles: [add.role.value] });
    status(`Added ${add.username.value} as ${add.role.value}`);
    await reload();
  });
  const invited = h('p', { id: 'invite-result', role: 'status' });
  const invite = h('form', { id: 'invite-form', 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, 'Invite by email'),
    field('Email', h('input', { name: 'email', id: 'invite-email', type: 'email', required: true, maxlength: 254 })),
    field('Role', h('select', { name: 'role', id: 'invite-role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'Editor' }, r)))),
    h('button', { type: 'submit', id: 'invite-submit' }, 'Send invitation'), invited);
  invite.addEventListener('submit', async (e) => {
    e.preventDefault();
    invited.classList.remove('error');
    try {
      await api('POST', '/api/users/invite', { email: invite.email.value, roles: [invite.role.value], team });
      invited.textContent = `Invited ${invite.email.value}: the mail holds a sign-up link, valid 7 days.`;
      invite.email.value = '';
    } catch (err) {
      invited.classList.add('error');
      invited.textContent = `Not invited: ${err.message}`;
    }
  });
  if (!live()) return;
  show(h('h1', {}, `Team ${team}`), h('h2', {}, 'Members'), membersTable(team, members, reload),
    h('div', { class: 'columns' }, add, invite), h('h2', {}, 'API tokens'), tokens);
}
