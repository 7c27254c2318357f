// DOM helpers. Data only ever reaches the page as text (textContent, attribute values), never
// as markup: nothing in the console parses HTML into the page.
import { t, language } from './strings.js';
import { problemWords } from './errors.js';

/**
 * h('button', {class: 'primary', onclick: fn, text: 'Save'}, child, 'text', [more])
 * Attributes: `text`, `class`, `on<event>`, `dataset`, booleans (set when true), the rest as is.
 */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = true;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const kid of kids) {
    if (kid == null || kid === false) continue;
    if (Array.isArray(kid)) append(el, kid);
    else el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

let seq = 0;
export const uid = (prefix) => `${prefix}-${++seq}`;

/** A labelled control with an optional hint, wired with for/id and aria-describedby. */
export function field(label, control, hint) {
  control.id = control.id || uid('f');
  const parts = [h('label', { for: control.id, text: label }), control];
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: uid('hint'), text: hint });
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', { class: 'field' }, parts);
}

/** A checkbox with its label after it. */
export function checkbox(label, checked) {
  const input = h('input', { type: 'checkbox', id: uid('c'), checked: !!checked });
  return { input, el: h('div', { class: 'check' }, input, h('label', { for: input.id, text: label })) };
}

export function clear(el) { el.replaceChildren(); return el; }

/** Replaces el's children; kids may be nested arrays, strings and nulls as in h(). */
export function fill(el, ...kids) { el.replaceChildren(); append(el, kids); return el; }

// ---- status and errors ---------------------------------------------------------------------

let statusEl = null;
let statusTimer = 0;
export function mountStatus(el) { statusEl = el; }

/**
 * A short confirmation in the polite live region ("Agent created"). The region stays in the
 * page (a region that appears with its text is not always announced); empty, it is invisible.
 */
export function announce(message) {
  if (!statusEl) return;
  statusEl.textContent = '';
  // Set on the next frame, so a repeat of the same message is announced again.
  requestAnimationFrame(() => { statusEl.textContent = message; });
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { statusEl.textContent = ''; }, 6000);
}

/** A role=alert box for one form's errors; `.show(err)` lists every problem, `.clear()`. */
export function errorBox() {
  const el = h('div', { class: 'error', role: 'alert', hidden: true });
  return {
    el,
    show(err) {
      const lines = [errorText(err)];
      const problems = (err && err.problems) || [];
      if (problems.length > 1 || (problems.length === 1 && problems[0].pointer)) {
        lines.push(problemList(problems));
      }
      el.replaceChildren(...lines);
      el.hidden = false;
    },
    clear() { el.hidden = true; el.replaceChildren(); },
  };
}

/**
 * An error's words as a paragraph. The server's own words at its end (errors.js shows them
 * when it has none of its own) are marked as English, so a screen reader reads them as such.
 */
export function errorText(err) {
  const text = err && err.message ? err.message : String(err);
  const server = (err && err.server) || '';
  if (!server || !text.endsWith(server)) return h('p', { text });
  return h('p', null, text.slice(0, text.length - server.length), h('span', { lang: 'en', text: server }));
}

/**
 * Problems with a JSON pointer (bot validation) as a list: `answers[0].steps[2].next — …`,
 * each in the console's words, or in the server's (marked as English) for a code without any.
 */
export function problemList(problems) {
  return h('ul', { class: 'problems' }, problems.map((p) => {
    const words = problemWords(p);
    return h('li', null, p.pointer ? h('code', { text: p.pointer }) : null, p.pointer ? ' — ' : null,
      words.english ? h('span', { lang: 'en', text: words.text }) : words.text);
  }));
}

/**
 * Runs `fn` with `button` (and any `also` controls) disabled and aria-busy, so a request
 * cannot be sent twice. Returns fn's result; errors propagate.
 */
export async function busy(button, fn, also = []) {
  const controls = [button, ...also].filter(Boolean);
  const before = controls.map((c) => c.disabled);
  for (const c of controls) c.disabled = true;
  if (button) button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
    if (button) button.removeAttribute('aria-busy');
  }
}

/**
 * A form whose submit runs `fn(form)` with the submit button busy and errors shown in its
 * error box. `fn` returns nothing; thrown ApiErrors appear in words.
 */
export function onSubmit(form, errors, fn) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    errors.clear();
    try {
      await busy(button, () => fn(form));
    } catch (err) {
      errors.show(err);
    }
  });
}

// ---- confirmation --------------------------------------------------------------------------

/**
 * A modal <dialog> asking to confirm a destructive action. Resolves true on confirm, false on
 * cancel or Escape. Focus returns to where it was.
 */
export function confirmAction({ title, message, confirm, danger = true }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const cancelButton = h('button', { type: 'button', text: t('common.cancel') });
    const okButton = h('button', { type: 'button', class: danger ? 'danger' : 'primary', text: confirm });
    const titleId = uid('dlg');
    const messageId = uid('dlg');
    const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': messageId },
      h('h2', { id: titleId, text: title }),
      h('p', { id: messageId, text: message }),
      h('div', { class: 'actions' }, cancelButton, okButton));
    let answer = false;
    const close = (value) => { answer = value; dialog.close(); };
    cancelButton.addEventListener('click', () => close(false));
    okButton.addEventListener('click', () => close(true));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (back && back.isConnected) back.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancelButton.focus();
  });
}

// ---- copying -------------------------------------------------------------------------------

/** A read-only text box with a Copy button (tokens, webhook URLs). */
export function copyable(value, label) {
  const input = h('input', { type: 'text', readonly: true, value, class: 'mono', spellcheck: 'false', 'aria-label': label });
  const button = h('button', { type: 'button', text: t('common.copy') });
  button.addEventListener('click', async () => {
    const ok = await copyText(value, input);
    button.textContent = ok ? t('common.copied') : t('common.copy');
    announce(ok ? t('common.copiedWhat', { what: label }) : t('common.copyFailed'));
    if (ok) setTimeout(() => { button.textContent = t('common.copy'); }, 2000);
  });
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'copy' }, input, button);
}

async function copyText(value, input) {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // Clipboard API refused (permissions, older browser): select the text and ask the browser.
    input.focus();
    input.select();
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

// ---- formatting ----------------------------------------------------------------------------

// Dates in the console's language (2026. 12. 5. 오후 9:08 in Korean), made again when it changes.
let dateFormat = null;
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (!dateFormat || dateFormat.resolvedOptions().locale.slice(0, 2) !== language()) {
    dateFormat = new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short' });
  }
  return dateFormat.format(d);
}

/** A count in the console's language (1,234). */
export const count = (n) => (typeof n === 'number' ? n.toLocaleString(language()) : n);

/** A <time> element showing `when(iso)`. */
export function time(iso) {
  return iso ? h('time', { datetime: iso, text: when(iso) }) : document.createTextNode('—');
}

export function badge(text, kind) { return h('span', { class: `badge ${kind || ''}`.trim(), text }); }

/** A section heading with optional actions on the right. */
export function sectionHead(level, text, ...actions) {
  return h('div', { class: 'section-head' }, h(`h${level}`, { text }), actions.length ? h('div', { class: 'actions' }, actions) : null);
}

/** A visible "Loading…" line replaced by content or an error. */
export function loading() { return h('p', { class: 'muted', role: 'status', text: t('common.loading') }); }
