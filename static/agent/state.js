// What the signed-in desk knows, shared by the inbox and the open ticket.
import { T } from './strings.js';
import { sget, sset, readJson, api } from './api.js';

export var PAGE = 25; // tickets per "Load more"

export var state = {
  me: null,
  users: {},                    // id -> user (side-loaded with tickets and comments)
  view: /^\d{1,15}$/.test(sget('view') || '') ? sget('view') : '1', // a view's id; 1: Your unsolved tickets
  views: [],                    // the views from GET /api/v2/views/active
  viewsAt: 0,
  counts: {},                   // view id -> number of tickets
  search: null,                 // the query the list shows results of, instead of a view
  fresh: {},                    // ticket id -> true: newly assigned to me, not opened yet
  limit: PAGE,
  tickets: [],
  total: 0,
  rows: {},                     // ticket id -> <li>
  seen: readJson('seen', {}),   // ticket id -> updated_at when last viewed (this tab)
  current: null,                // the open ticket
  drafts: readJson('drafts', {}), // ticket id -> { text, note }: unsent text survives a reload
  lastSync: 0,
  syncError: null,
  listed: null                  // the view the list shows (null while a new view loads)
};

/** Forgets what the signed-out agent saw (the view and page size stay). */
export function forget() {
  state.me = null;
  asked = {};
  state.users = {};
  state.views = [];
  state.viewsAt = 0;
  state.counts = {};
  state.search = null;
  state.fresh = {};
  state.tickets = [];
  state.listed = null;
  state.rows = {};
  state.seen = {};
  state.drafts = {};
  state.current = null;
  state.lastSync = 0;
  state.syncError = null;
}

export function remember(list) { (list || []).forEach(function (u) { if (u && u.id != null) state.users[u.id] = u; }); }
export function userName(id) { var u = state.users[id]; return u && u.name ? u.name : T.someone(id); }
export function isUnread(t) {
  if (state.current && state.current.id === t.id) return false;
  var last = state.seen[t.id];
  return !last || Date.parse(t.updated_at) > Date.parse(last);
}
export function markSeen(t) {
  if (!t || state.seen[t.id] === t.updated_at) return;
  state.seen[t.id] = t.updated_at;
  sset('seen', JSON.stringify(state.seen));
}

var asked = {}; // user id -> true: fetched once this session (or failed: shown as "User N")
/** Loads the users `ids` names that no answer side-loaded yet (at most 25 at a time). */
export function fetchUsers(ids) {
  var want = [];
  (ids || []).forEach(function (id) {
    if (id != null && !state.users[id] && !asked[id] && want.indexOf(id) < 0) want.push(id);
  });
  return Promise.all(want.slice(0, 25).map(function (id) {
    asked[id] = true;
    return api('GET', '/api/v2/users/' + id + '.json').then(function (d) { remember([d.user]); }, function () { /* a name is optional */ });
  }));
}
