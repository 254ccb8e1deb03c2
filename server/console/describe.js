// SPDX-License-Identifier: Apache-2.0
// A database's or table's description, with a button that asks the configured language model
// for one (POST …/prompt/describe-database|describe-table with save: true: the server stores
// it; only the schema goes to the model). Shown as plain text: descriptions are markdown, and
// the console renders no HTML it did not build itself.
import { api } from './api.js';
import { h } from './dom.js';

const enc = encodeURIComponent;

// `what`: 'database' or 'table'; `text`: the stored description ('' or null when none).
export function descriptionPanel(dbId, what, text, tableName = null) {
  const shown = h('p', { id: `${what}-description`, class: 'description' }, text || 'No description yet.');
  const info = h('span', { id: `${what}-describe-info`, class: 'muted', role: 'status' });
  const button = h('button', { type: 'button', id: `${what}-describe`, class: 'small' }, 'Describe with AI');
  button.addEventListener('click', async () => {
    button.disabled = true;
    info.textContent = ' Asking the language model…';
    try {
      const body = what === 'table' ? { tableName, save: true } : { save: true };
      const answer = await api('POST', `/api/dbs/${enc(dbId)}/prompt/describe-${what}`, body);
      shown.textContent = answer.description;
      info.textContent = ` Written by ${answer.model} and saved.`;
    } catch (err) {
      info.textContent = ` No description: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'description-panel', 'aria-label': `The ${what}'s description` },
    shown, h('p', {}, button, info));
}
