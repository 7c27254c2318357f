// The ticket's fields (status, priority, type, tags, group, assignee). Fields the agent hasn't
// touched follow the server; edited ones are kept until saved.
import { T } from './strings.js';
import { $, h, showError } from './ui.js';
import { api } from './api.js';
import { state, userName } from './state.js';
import { loadGroups, loadAssignees, fillSelect } from './assign.js';

var fieldsForm = $('fields'), fStatus = $('f-status'), fPriority = $('f-priority'), fType = $('f-type'), fTags = $('f-tags');
var fStatusNote = $('f-status-note'), fAssignee = $('f-assignee'), assignMe = $('assign-me'), saveButton = $('save');
var fieldsStatus = $('fields-status');
var fGroup = $('f-group'), fAssignTo = $('f-assign-to');

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
  fGroup.textContent = '';
  fAssignTo.textContent = '';
  delete fAssignTo.dataset.want;
  delete fAssignTo.dataset.ready;
  options(fStatus, ['new', 'open', 'pending', 'hold', 'solved', 'closed'], T.statuses);
  options(fPriority, ['low', 'normal', 'high', 'urgent'], T.priorities, true);
  options(fType, ['question', 'incident', 'problem', 'task'], T.types, true);
  fStatus.value = t.status;
}

function tagsText(tags) { return (tags || []).join(' '); }
function normTags(text) { return text.split(/[\s,]+/).filter(Boolean); }
function idText(id) { return id == null ? '' : String(id); }
function formValues() {
  return {
    status: fStatus.value, priority: fPriority.value, type: fType.value, tags: normTags(fTags.value).join(' '),
    // Until their options arrive the selects hold nothing: they stand for the saved values.
    group: fGroup.options.length ? fGroup.value : base('group'),
    assignee: fAssignTo.dataset.ready ? fAssignTo.value : base('assignee')
  };
}
function base(k) {
  var c = state.current;
  return c && c.base ? c.base[k] : '';
}
function serverValues(t) {
  return {
    status: t.status, priority: t.priority || '', type: t.type || '', tags: tagsText(t.tags),
    group: idText(t.group_id), assignee: idText(t.assignee_id)
  };
}

// The group select lists the groups; the assignee select the members of the chosen group.
function fillGroups(t) {
  var c = state.current;
  return loadGroups().then(function (list) {
    if (c !== state.current) return;
    var was = fGroup.options.length ? fGroup.value : (c.base ? c.base.group : idText(t.group_id));
    fillSelect(fGroup, list, null);
    fGroup.value = was;
    if (fGroup.value !== was) fGroup.value = '';
    fillAssignees();
  }, function () { /* the select keeps what it had */ });
}
function fillAssignees() {
  var c = state.current, gid = fGroup.value;
  return loadAssignees(gid).then(function (list) {
    if (c !== state.current || gid !== fGroup.value) return;
    var want = fAssignTo.dataset.want;
    var keep = c.ticket && idText(c.ticket.group_id) === gid ? c.ticket.assignee_id : null;
    fillSelect(fAssignTo, list, keep, state.me && state.me.id);
    fAssignTo.dataset.ready = '1';
    if (want != null) fAssignTo.value = want;
    // Moving a ticket to a group whose members don't include its assignee unassigns it
    // (the API's rule); the select shows that before it is saved.
    if (fAssignTo.value !== want) fAssignTo.value = '';
    onFieldsInput();
  }, function () { /* the select keeps what it had */ });
}
fGroup.addEventListener('change', function () {
  fAssignTo.dataset.want = fAssignTo.value;
  fillAssignees();
});
fAssignTo.addEventListener('change', function () { fAssignTo.dataset.want = fAssignTo.value; });

export function syncFields(t, force) {
  var c = state.current, me = state.me;
  var next = serverValues(t);
  var now = formValues();
  var old = c.base;
  if (force || !old || now.status === old.status) fStatus.value = next.status;
  if (force || !old || now.priority === old.priority) fPriority.value = next.priority;
  if (force || !old || now.type === old.type) fType.value = next.type;
  if (force || !old || now.tags === old.tags) fTags.value = next.tags;
  var groupFollows = force || !old || now.group === old.group;
  var assigneeFollows = force || !old || now.assignee === old.assignee;
  c.base = next;
  var moved = !old || old.group !== next.group || old.assignee !== next.assignee;
  if (groupFollows) {
    if (fGroup.querySelector('option[value="' + next.group + '"]')) fGroup.value = next.group;
    else if (moved) fillGroups(t); // a group this page doesn't know yet (or the first fill)
  }
  if (assigneeFollows) fAssignTo.dataset.want = next.assignee;
  if (force || moved) fillAssignees();
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
  if (now.group !== base.group) { out.group_id = now.group ? Number(now.group) : null; any = true; }
  if (now.assignee !== base.assignee || (out.group_id !== undefined && !now.assignee && base.assignee)) {
    out.assignee_id = now.assignee ? Number(now.assignee) : null;
    any = true;
  }
  return any ? out : null;
}

function onFieldsInput() {
  var current = state.current;
  var editable = current && current.ticket && current.ticket.status !== 'closed';
  saveButton.disabled = !editable || !changedFields() || !!(current && current.saving);
  fStatusNote.hidden = fStatus.value !== 'closed' || !editable;
}
[fStatus, fPriority, fType, fTags, fGroup, fAssignTo].forEach(function (el) {
  el.addEventListener('input', onFieldsInput);
  el.addEventListener('change', onFieldsInput);
});

/** A closed ticket can't be changed. */
export function setFieldsEditable(on) {
  [fStatus, fPriority, fType, fTags, fGroup, fAssignTo].forEach(function (el) { el.disabled = !on; });
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
    showError(fieldsStatus, err);
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
    showError(fieldsStatus, err);
  }).then(function () { assignMe.disabled = false; });
});

/** `a`: assign the open ticket to me (the button's job, from the keyboard). */
export function assignToMe() { if (!assignMe.hidden && !assignMe.disabled) assignMe.click(); }
