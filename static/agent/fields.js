// The ticket's fields (status, priority, type, tags, assignee). Fields the agent hasn't touched
// follow the server; edited ones are kept until saved.
import { T } from './strings.js';
import { $, h } from './ui.js';
import { api } from './api.js';
import { state, userName } from './state.js';

var fieldsForm = $('fields'), fStatus = $('f-status'), fPriority = $('f-priority'), fType = $('f-type'), fTags = $('f-tags');
var fStatusNote = $('f-status-note'), fAssignee = $('f-assignee'), assignMe = $('assign-me'), saveButton = $('save');
var fieldsStatus = $('fields-status');

// The open ticket's module shows a saved ticket and refreshes it; it imports this one.
var hooks = { apply: function () {}, refresh: function () {} };
/** `apply(ticket, force)` shows a ticket the server answered with; `refresh()` reloads it now. */
export function connectFields(apply, refresh) { hooks = { apply: apply, refresh: refresh }; }

function options(select, values, labels, blank) {
  select.textContent = '';
  if (blank) select.appendChild(h('option', { value: '', text: T.none }));
  values.forEach(function (v) { select.appendChild(h('option', { value: v, text: labels[v] || v })); });
}

export function buildSelects(t) {
  options(fStatus, ['new', 'open', 'pending', 'hold', 'solved', 'closed'], T.statuses);
  options(fPriority, ['low', 'normal', 'high', 'urgent'], T.priorities, true);
  options(fType, ['question', 'incident', 'problem', 'task'], T.types, true);
  fStatus.value = t.status;
}

function tagsText(tags) { return (tags || []).join(' '); }
function normTags(text) { return text.split(/[\s,]+/).filter(Boolean); }
function formValues() {
  return { status: fStatus.value, priority: fPriority.value, type: fType.value, tags: normTags(fTags.value).join(' ') };
}
function serverValues(t) {
  return { status: t.status, priority: t.priority || '', type: t.type || '', tags: tagsText(t.tags) };
}

export function syncFields(t, force) {
  var c = state.current, me = state.me;
  var next = serverValues(t);
  var now = formValues();
  var old = c.base;
  if (force || !old || now.status === old.status) fStatus.value = next.status;
  if (force || !old || now.priority === old.priority) fPriority.value = next.priority;
  if (force || !old || now.type === old.type) fType.value = next.type;
  if (force || !old || now.tags === old.tags) fTags.value = next.tags;
  c.base = next;
  // "new" can't be chosen again (the API refuses it), only kept.
  fStatus.querySelector('option[value=new]').disabled = t.status !== 'new';
  var mine = me && t.assignee_id === me.id;
  fAssignee.textContent = t.assignee_id == null ? T.unassigned : userName(t.assignee_id) + (mine ? ' (' + T.you + ')' : '');
  assignMe.hidden = !me || mine;
  onFieldsInput();
}

function changedFields() {
  var c = state.current;
  if (!c || !c.base) return null;
  var now = formValues(), base = c.base, out = {}, any = false;
  if (now.status !== base.status) { out.status = now.status; any = true; }
  if (now.priority !== base.priority) { out.priority = now.priority || null; any = true; }
  if (now.type !== base.type) { out.type = now.type || null; any = true; }
  if (now.tags !== base.tags) { out.tags = normTags(fTags.value); any = true; }
  return any ? out : null;
}

function onFieldsInput() {
  var current = state.current;
  var editable = current && current.ticket && current.ticket.status !== 'closed';
  saveButton.disabled = !editable || !changedFields() || !!(current && current.saving);
  fStatusNote.hidden = fStatus.value !== 'closed' || !editable;
}
[fStatus, fPriority, fType, fTags].forEach(function (el) {
  el.addEventListener('input', onFieldsInput);
  el.addEventListener('change', onFieldsInput);
});

/** A closed ticket can't be changed. */
export function setFieldsEditable(on) {
  [fStatus, fPriority, fType, fTags].forEach(function (el) { el.disabled = !on; });
  assignMe.disabled = !on;
  onFieldsInput();
}

export function clearFieldsStatus() { fieldsStatus.textContent = ''; }

function update(fields) {
  var c = state.current;
  return api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: fields }).then(function (data) {
    if (c === state.current) hooks.apply(data.ticket, false);
    return data;
  });
}

fieldsForm.addEventListener('submit', function (e) {
  e.preventDefault();
  var c = state.current;
  var fields = changedFields();
  if (!c || !fields || c.saving) return;
  c.saving = true;
  onFieldsInput();
  fieldsStatus.className = 'fields-status';
  fieldsStatus.textContent = T.saving;
  api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: fields }).then(function (data) {
    if (c !== state.current) return;
    hooks.apply(data.ticket, true);
    fieldsStatus.textContent = T.saved;
  }, function (err) {
    if (c !== state.current) return;
    fieldsStatus.className = 'fields-status err';
    fieldsStatus.textContent = err.message;
    hooks.refresh();
  }).then(function () {
    c.saving = false;
    if (c === state.current) onFieldsInput();
  });
});

assignMe.addEventListener('click', function () {
  var c = state.current, me = state.me;
  if (!c || !me) return;
  assignMe.disabled = true;
  fieldsStatus.className = 'fields-status';
  fieldsStatus.textContent = T.saving;
  update({ assignee_id: me.id }).then(function () {
    if (c !== state.current) return;
    fieldsStatus.textContent = T.assignedToYou;
    // The button is gone now: keep keyboard focus nearby.
    if (document.activeElement === assignMe || document.activeElement === document.body) fAssignee.focus();
  }, function (err) {
    if (c !== state.current) return;
    fieldsStatus.className = 'fields-status err';
    fieldsStatus.textContent = err.message;
  }).then(function () { assignMe.disabled = false; });
});
