// The macros menu of the open ticket: choosing a macro previews it (GET .../macros/{id}/apply —
// the server changes nothing): its comment goes into the composer, to edit, and the field
// changes are listed; sending the composer sends them with the comment in one PUT.
import { T } from './strings.js';
import { $, h, announce, showError } from './ui.js';
import { api } from './api.js';
import { state, userName } from './state.js';
import { loadGroups } from './assign.js';
import { setComposerText, afterSend } from './composer.js';

var FRESH = 60000;
var select = $('macro'), preview = $('macro-preview'), previewList = $('macro-changes'), discard = $('macro-discard');
var macroError = $('macro-error');
var macros = null, macrosAt = 0;
var FIELDS = ['status', 'priority', 'type', 'tags', 'group_id', 'assignee_id'];

function loadMacros() {
  if (macros && Date.now() - macrosAt < FRESH) return Promise.resolve(macros);
  return api('GET', '/api/v2/macros/active.json?per_page=100').then(function (data) {
    macros = data.macros || [];
    macrosAt = Date.now();
    return macros;
  });
}

/** A freshly opened ticket: the menu, and no macro chosen. */
export function resetMacros() {
  clearPreview();
  var c = state.current;
  loadMacros().then(function (list) {
    if (c !== state.current) return;
    select.textContent = '';
    select.appendChild(h('option', { value: '', text: T.chooseMacro }));
    list.forEach(function (m) { select.appendChild(h('option', { value: String(m.id), text: m.title })); });
    select.disabled = !list.length;
    select.title = list.length ? '' : T.noMacros;
  }, function (err) { showError(macroError, err); });
}

export function setMacrosEditable(on) { select.disabled = !on || select.options.length < 2; }
export function focusMacros() { if (!select.disabled) select.focus(); }
export function forgetMacros() { macros = null; }

function clearPreview() {
  var c = state.current;
  if (c) c.macro = null;
  preview.hidden = true;
  previewList.textContent = '';
  macroError.textContent = '';
  select.value = '';
}
afterSend(clearPreview);

function same(a, b) { return JSON.stringify(a == null ? null : a) === JSON.stringify(b == null ? null : b); }

function label(field, value, groups) {
  if (value == null || value === '' || (Array.isArray(value) && !value.length)) return T.none;
  if (field === 'status') return T.statuses[value] || value;
  if (field === 'priority') return T.priorities[value] || value;
  if (field === 'type') return T.types[value] || value;
  if (field === 'tags') return value.join(' ');
  if (field === 'assignee_id') return userName(value);
  if (field === 'group_id') {
    var g = (groups || []).find(function (x) { return x.id === value; });
    return g ? g.name : '#' + value;
  }
  return String(value);
}
var NAMES = { status: 'status', priority: 'priority', type: 'type', tags: 'tags', group_id: 'group', assignee_id: 'assignee' };

select.addEventListener('change', function () {
  var c = state.current, id = select.value;
  macroError.textContent = '';
  if (!c || !c.ticket) return;
  if (!id) { clearPreview(); return; }
  select.setAttribute('aria-busy', 'true');
  Promise.all([
    api('GET', '/api/v2/tickets/' + c.id + '/macros/' + encodeURIComponent(id) + '/apply.json'),
    loadGroups().catch(function () { return []; })
  ]).then(function (both) {
    if (c !== state.current || select.value !== id) return;
    var result = both[0].result || {}, after = result.ticket || {}, before = c.ticket, fields = {};
    previewList.textContent = '';
    FIELDS.forEach(function (f) {
      if (!(f in after) || same(after[f], before[f])) return;
      fields[f] = after[f];
      previewList.appendChild(h('li', {}, [
        h('b', { text: T[NAMES[f]] + ': ' }),
        h('span', { text: label(f, after[f], both[1]) })
      ]));
    });
    var m = (macros || []).find(function (x) { return String(x.id) === id; });
    c.macro = { id: Number(id), title: m ? m.title : '#' + id, fields: fields };
    var comment = result.comment;
    if (comment && comment.body) setComposerText(comment.body, comment.public === false);
    if (!previewList.children.length) previewList.appendChild(h('li', { text: T.macroNoChanges }));
    $('macro-title').textContent = T.macroChosen(c.macro.title);
    preview.hidden = false;
    announce(T.macroChosen(c.macro.title));
  }, function (err) {
    if (c !== state.current) return;
    showError(macroError, err);
    select.value = '';
  }).then(function () { select.removeAttribute('aria-busy'); });
});

discard.addEventListener('click', function () {
  clearPreview();
  setComposerText('', false);
  select.focus();
});
