// Who can take a ticket: the groups, and the agents of each group (memberships named by the
// staff list). Cached for a minute: a desk's groups change rarely, and every open ticket needs them.
import { T } from './strings.js';
import { h } from './ui.js';
import { api } from './api.js';
import { remember, userName } from './state.js';

var FRESH = 60000;
var groups = null, groupsAt = 0;
var staff = null, staffAt = 0;
var members = {}; // group id -> { at, ids }

function all(path, key) {
  var got = [];
  function page(n) {
    return api('GET', path + (path.indexOf('?') < 0 ? '?' : '&') + 'per_page=100&page=' + n).then(function (data) {
      got = got.concat(data[key] || []);
      if (data.next_page && n < 10) return page(n + 1);
    });
  }
  return page(1).then(function () { return got; });
}

export function loadGroups() {
  if (groups && Date.now() - groupsAt < FRESH) return Promise.resolve(groups);
  return all('/api/v2/groups.json', 'groups').then(function (list) {
    groups = list.filter(function (g) { return !g.deleted; });
    groupsAt = Date.now();
    return groups;
  });
}

function loadStaff() {
  if (staff && Date.now() - staffAt < FRESH) return Promise.resolve(staff);
  return all('/api/v2/users.json?role[]=agent&role[]=admin', 'users').then(function (list) {
    remember(list);
    staff = list.filter(function (u) { return u.active !== false; });
    staffAt = Date.now();
    return staff;
  });
}

/** The active agents a ticket in group `gid` may be assigned to (any agent without a group). */
export function loadAssignees(gid) {
  if (!gid) return loadStaff();
  var m = members[gid];
  var ids = m && Date.now() - m.at < FRESH ? Promise.resolve(m.ids)
    : all('/api/v2/groups/' + gid + '/memberships.json', 'group_memberships').then(function (list) {
      var got = list.map(function (x) { return x.user_id; });
      members[gid] = { at: Date.now(), ids: got };
      return got;
    });
  return Promise.all([ids, loadStaff()]).then(function (both) {
    return both[1].filter(function (u) { return both[0].indexOf(u.id) >= 0; });
  });
}

export function forgetAssign() { groups = null; staff = null; members = {}; }

/** Options of `select`: none, then `items` ({id, name}); `keep` (an id) is listed even if gone. */
export function fillSelect(select, items, keep, meId) {
  var value = select.value;
  select.textContent = '';
  select.appendChild(h('option', { value: '', text: T.none }));
  var listed = {};
  items.forEach(function (it) {
    listed[it.id] = true;
    select.appendChild(h('option', { value: String(it.id), text: it.name + (meId && it.id === meId ? ' (' + T.you + ')' : '') }));
  });
  if (keep != null && keep !== '' && !listed[keep]) {
    select.appendChild(h('option', { value: String(keep), text: userName(Number(keep)) }));
  }
  select.value = value;
  if (select.value !== value) select.value = '';
}
