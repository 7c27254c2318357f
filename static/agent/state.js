// What the signed-in desk knows, shared by the inbox and the open ticket.
import { T } from './strings.js';
import { sget, sset, readJson } from './api.js';

export var PAGE = 25; // tickets per "Load more"

export var state = {
  me: null,
  users: {},                    // id -> user (side-loaded with tickets and comments)
  view: sget('view') || 'open',
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
  state.users = {};
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
