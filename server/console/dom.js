// SPDX-License-Identifier: Apache-2.0
// Tiny DOM helpers: elements are built with textContent only (never innerHTML of data).

// h('button', {type: 'submit', onclick: f}, 'Save') → an element. Attributes starting with
// `on` become listeners; `for` and `class` are set as attributes.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A labelled form field: <label>Text <input …></label>.
export function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

// Views load their data, then show it; a view that finishes after the visitor has gone on to
// another one must not show it. route() calls newView(); a view takes viewGuard() before its
// first await, and shows only while that says it is still the current one.
let generation = 0;
export function newView() {
  generation += 1;
}
export function viewGuard() {
  const mine = generation;
  return () => mine === generation;
}

// Replaces the main area's content and moves the focus there (for keyboard and screen readers).
export function show(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  const heading = main.querySelector('h1');
  (heading || main).setAttribute('tabindex', '-1');
  (heading || main).focus({ preventScroll: true });
}

// The status line at the bottom: messages and errors.
export function status(message, isError = false) {
  const el = document.getElementById('status');
  el.textContent = message;
  el.classList.toggle('error', isError);
}

// A button that asks once more before acting (no window.confirm: keyboard and tests alike).
export function confirmButton(label, confirmLabel, action, attrs = {}) {
  let armed = false;
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      button.classList.add('danger');
      return;
    }
    await action();
  });
  button.addEventListener('blur', () => {
    armed = false;
    button.textContent = label;
    button.classList.remove('danger');
  });
  return button;
}

// Sets the breadcrumb trail: [[label, href], …].
export function crumbs(trail) {
  const nav = document.getElementById('crumbs');
  nav.replaceChildren(...trail.flatMap(([label, href], i) => [
    i ? ' / ' : '',
    href ? h('a', { href }, label) : h('span', { 'aria-current': 'page' }, label),
  ]));
}

// Validation errors at their field. The server names the field it refuses ("labelRotation
// must be …", "the value of HELLO is too long"): the input whose data-key the message names
// first is marked invalid and gets the message under it; a message naming no
// field goes to the form's own error line (an element with class form-error). Returns the
// marked input, or null.
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error[data-for]')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  const general = form.querySelector('.form-error');
  if (general) general.textContent = '';
}

let errorIds = 0;
export function fieldError(form, message) {
  // The field named first in the message; of two named at the same place, the longer name.
  const named = [...form.querySelectorAll('[data-key]')].map((el) => {
    const key = el.dataset.key;
    const m = key && message.match(new RegExp(`(^|[^A-Za-z0-9_])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`));
    return m ? { el, at: m.index, length: key.length } : null;
  }).filter(Boolean).sort((a, b) => a.at - b.at || b.length - a.length);
  const input = named[0]?.el;
  if (!input) {
    const general = form.querySelector('.form-error');
    if (general) general.textContent = message;
    return null;
  }
  const id = `field-error-${++errorIds}`;
  const note = h('p', { class: 'error field-error', id, role: 'alert', 'data-for': input.dataset.key }, message);
  (input.closest('.field, .check, .row') ?? input).after(note);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  input.focus();
  return input;
}
